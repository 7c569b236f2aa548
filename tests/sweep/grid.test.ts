import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { parseConfigs, parseGrid, parseGridOption, splitValues } from '../../src/sweep/grid.ts';
import { expandPoints, pointCount, shardPoints } from '../../src/sweep/points.ts';
import { parseShard } from '../../src/sweep/shard.ts';
import { canonicalCommand, specDifferences, specHash, type SweepSpec } from '../../src/sweep/spec.ts';
import { replicationSeeds } from '../../src/stats/replications.ts';
import { deriveSeed } from '../../src/random/rng.ts';

const base: SweepSpec = {
  configs: ['3g1g-highmem', '2g2g'],
  configOptions: {},
  axes: [
    { key: 'ram', kind: 'config', values: ['1G', '2G'] },
    { key: 'tlb.l1d.entries', kind: 'model', values: ['32', '64'] },
  ],
  model: 'core2',
  modelSets: [],
  replications: 2,
  seed: 7,
  prefault: false,
  trace: { kind: 'file', path: 'traces/t.hmt' },
};

/** The one-line message of the UserError `fn` throws. */
function userError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('expected a UserError');
}

describe('grid parsing', () => {
  it('classifies keys as configuration, model or workload axes', () => {
    expect(parseGrid(['ram=1G,2G,4G,8G', 'cpus=1,2,4', 'kernel=a,b', 'tlb.l1d.entries=32,64', 'workload.processes=4,16,64'])).toEqual([
      { key: 'ram', kind: 'config', values: ['1G', '2G', '4G', '8G'] },
      { key: 'cpus', kind: 'config', values: ['1', '2', '4'] },
      { key: 'kernel', kind: 'config', values: ['a', 'b'] },
      { key: 'tlb.l1d.entries', kind: 'model', values: ['32', '64'] },
      { key: 'workload.processes', kind: 'workload', values: ['4', '16', '64'] },
    ]);
  });

  it('keeps commas inside JSON values', () => {
    expect(splitValues('1, {"linear":{"a":1,"b":2}} ,"x,y",[1,2]')).toEqual(['1', '{"linear":{"a":1,"b":2}}', '"x,y"', '[1,2]']);
  });

  it('names --grid and the key in every mistake, on one line', () => {
    expect(userError(() => parseGridOption('ram'))).toBe("--grid 'ram': expected KEY=V1,V2,... (e.g. --grid ram=1G,2G,4G)");
    expect(userError(() => parseGridOption('=1,2'))).toBe("--grid '=1,2': expected KEY=V1,V2,... (e.g. --grid ram=1G,2G,4G)");
    expect(userError(() => parseGridOption('ram=1G,,2G'))).toBe("--grid ram: empty value in '1G,,2G' (expected ram=V1,V2,...)");
    expect(userError(() => parseGridOption('ram='))).toBe("--grid ram: empty value in '' (expected ram=V1,V2,...)");
    expect(userError(() => parseGridOption('cpus=1,2,1'))).toBe("--grid cpus: value '1' is listed twice");
    expect(userError(() => parseGrid(['cpus=1', 'cpus=2']))).toBe(
      '--grid cpus: given twice (list all its values in one --grid cpus=V1,V2,...)',
    );
    expect(userError(() => parseGridOption('config=a,b'))).toBe('--grid config: give the configurations with --configs A,B,...');
    expect(userError(() => parseConfigs('a,,b'))).toBe("--configs 'a,,b': expected a comma-separated list of configuration names");
  });

  it('parses --shard i/n with 0-based i and refuses anything else', () => {
    expect(parseShard('3/4')).toEqual({ index: 3, count: 4 });
    expect(parseShard(undefined)).toBeNull();
    expect(userError(() => parseShard('4/4'))).toBe('--shard 4/4: expected i/n with 0 ≤ i < n (shard indices start at 0)');
    expect(userError(() => parseShard('1-4'))).toBe("--shard '1-4': expected i/n with 0 ≤ i < n (e.g. --shard 0/4)");
  });
});

describe('grid expansion', () => {
  it('orders points configuration, then axes in order, then replication, with stable ids', () => {
    const points = expandPoints(base);
    expect(pointCount(base)).toBe(16);
    expect(points.map((p) => `${p.config} ${p.coords['ram']} ${p.coords['tlb.l1d.entries']} r${p.replication}`)).toEqual([
      '3g1g-highmem 1G 32 r0',
      '3g1g-highmem 1G 32 r1',
      '3g1g-highmem 1G 64 r0',
      '3g1g-highmem 1G 64 r1',
      '3g1g-highmem 2G 32 r0',
      '3g1g-highmem 2G 32 r1',
      '3g1g-highmem 2G 64 r0',
      '3g1g-highmem 2G 64 r1',
      '2g2g 1G 32 r0',
      '2g2g 1G 32 r1',
      '2g2g 1G 64 r0',
      '2g2g 1G 64 r1',
      '2g2g 2G 32 r0',
      '2g2g 2G 32 r1',
      '2g2g 2G 64 r0',
      '2g2g 2G 64 r1',
    ]);
    expect(points.map((p) => p.index)).toEqual([...Array(16).keys()]);
    expect(points[0]?.id).toMatch(/^3g1g-highmem-ram=1G-tlb\.l1d\.entries=32-r0-[0-9a-f]{8}$/);
    expect(new Set(points.map((p) => p.id)).size).toBe(16);
    // Replication i has the same seed in every cell (paired overheads): replicationSeeds(7, 2).
    const seeds = replicationSeeds(7, 2);
    expect(points.map((p) => p.seed)).toEqual(points.map((p) => seeds[p.replication]));
    expect(points.every((p) => p.traceSeed === null)).toBe(true);
  });

  it('gives a point the same id when the grid grows around it', () => {
    const grown: SweepSpec = { ...base, axes: [{ key: 'ram', kind: 'config', values: ['512M', '1G', '2G'] }, base.axes[1]!] };
    const before = new Set(expandPoints(base).map((p) => p.id));
    const after = expandPoints(grown).map((p) => p.id);
    expect(after.filter((id) => before.has(id)).length).toBe(16);
  });

  it('seeds generated workload traces per replication, the same for every cell', () => {
    const spec: SweepSpec = { ...base, axes: [], trace: { kind: 'workload', workload: 'fileserver', params: [] } };
    expect(expandPoints(spec).map((p) => p.traceSeed)).toEqual([0, 1, 0, 1].map((r) => deriveSeed(7, 'workload', r)));
  });

  it('uses the flags’ one configuration when --configs is absent', () => {
    const points = expandPoints({ ...base, configs: [], axes: [], replications: 1 });
    expect(points.map((p) => [p.index, p.config, p.coords])).toEqual([[0, null, {}]]);
  });

  it('shards by index modulo n: every point in exactly one shard', () => {
    const points = expandPoints(base);
    const shards = [0, 1, 2].map((i) => shardPoints(points, { index: i, count: 3 }).map((p) => p.index));
    expect(shards).toEqual([
      [0, 3, 6, 9, 12, 15],
      [1, 4, 7, 10, 13],
      [2, 5, 8, 11, 14],
    ]);
  });

  it('hashes the spec and names what differs', () => {
    const other = { ...base, seed: 8, replications: 3 };
    expect(specHash(base)).toBe(specHash({ ...base }));
    expect(specHash(base)).not.toBe(specHash(other));
    expect(specDifferences(base, other)).toEqual(['replications', 'seed']);
  });

  it('reproduces the sweep as one command line without run-only flags', () => {
    expect(canonicalCommand({ ...base, configOptions: { kernel: 'k', pae: false } }).join(' ')).toBe(
      'hmsim sweep --trace traces/t.hmt --configs 3g1g-highmem,2g2g --kernel k --no-pae ' +
        '--model core2 --grid ram=1G,2G --grid tlb.l1d.entries=32,64 --replications 2 --seed 7',
    );
  });
});
