/**
 * Merging shard outputs: every folder must come from the same sweep (same spec hash); together they
 * must hold every point exactly once (a point present twice must have the same input hash). The result
 * is written by the same code as an unsharded run, so it is byte for byte what that run writes.
 */
import { UserError } from '../errors.ts';
import { assertReplaceableOutput } from '../io/atomic.ts';
import type { SweepCell } from './cells.ts';
import type { ThemeName } from '../report/theme.ts';
import { writeSweepOutput } from './output.ts';
import { expandPoints } from './points.ts';
import { specDifferences } from './spec.ts';
import { loadAllPoints, readSweepFile, type PointRecord } from './store.ts';

/** What a merge wrote. */
export interface MergeOutcome {
  readonly points: number;
  readonly cells: SweepCell[];
}

/** Merges the sweep outputs in `dirs` into `out`. */
export async function mergeSweeps(dirs: readonly string[], out: string, options: { force: boolean; theme?: ThemeName }): Promise<MergeOutcome> {
  if (dirs.length === 0) throw new UserError('merge: expected one or more sweep output folders (hmsim merge DIR... --out DIR)');
  await assertReplaceableOutput(out, options.force);
  const files = await Promise.all(dirs.map((d) => readSweepFile(d)));
  const first = files[0] as (typeof files)[number];
  files.forEach((f, i) => {
    if (f.specHash !== first.specHash) {
      const diff = specDifferences(first.spec, f.spec);
      throw new UserError(
        `merge: ${dirs[i]} is a shard of a different sweep than ${dirs[0]} (they differ in: ${diff.length > 0 ? diff.join(', ') : 'spec'}); merge only shards of one sweep command`,
      );
    }
  });
  const spec = first.spec;
  const points = expandPoints(spec);
  const expected = new Map(points.map((p) => [p.id, p]));
  const found = new Map<string, { record: PointRecord; dir: string }>();
  for (const dir of dirs) {
    for (const record of await loadAllPoints(dir)) {
      const point = expected.get(record.id);
      if (point === undefined || point.index !== record.index) {
        throw new UserError(`merge: ${dir}: point ${record.id} is not a point of this sweep`);
      }
      const seen = found.get(record.id);
      if (seen !== undefined && seen.record.hash !== record.hash) {
        throw new UserError(`merge: point ${record.id} differs between ${seen.dir} and ${dir} (computed from different inputs: trace, model or hmsim version)`);
      }
      if (seen === undefined) found.set(record.id, { record, dir });
    }
  }
  const missing = points.filter((p) => !found.has(p.id));
  if (missing.length > 0) {
    const shards = [...new Set(files.map((f) => (f.shard === null ? 'all' : `${f.shard.index}/${f.shard.count}`)))].join(', ');
    throw new UserError(
      `merge: ${missing.length} of ${points.length} points are missing (first: ${(missing[0] as { id: string }).id}; shards given: ${shards}); run the missing shards and merge again`,
    );
  }
  const cells = await writeSweepOutput(
    out,
    spec,
    points,
    [...found.values()].map((f) => f.record),
    null,
    // The shards' checkout, not this one: a merge reports the code that computed the points.
    { force: options.force, complete: true, gitCommit: first.gitCommit, theme: options.theme ?? 'default' },
  );
  return { points: points.length, cells: cells ?? [] };
}
