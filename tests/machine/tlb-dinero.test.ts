/**
 * Exact validation of the TLB against Dinero IV (tests/fixtures/validation/tlb/README.md).
 *
 * A TLB of N entries, W ways, LRU, 4 KiB pages is a set-associative LRU cache of N × 4 KiB with 4 KiB
 * blocks, so on a user-only trace with every page present the replay must give Dinero IV's counts
 * exactly. The trace goes through the real pipeline: lackey importer → HMT file (in a temporary
 * directory, once per run) → HMT reader → pure TLB replay with one TLB level per side.
 */
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TlbGeometry } from '../../src/models/types.ts';
import { lackeyImporter } from '../../src/trace/importers/lackey.ts';
import { openTraceWriter } from '../../src/trace/hmt/writer.ts';
import { openTrace } from '../../src/trace/hmt/reader.ts';
import { replayTlbOnly, type TlbReplayResult } from '../../src/machine/tlb-replay.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/validation/tlb');
const TRACE = 'busybox-gzip-3k';

interface DineroRow {
  trace: string;
  side: 'I' | 'D';
  entries: number;
  ways: number;
  references: number;
  misses: number;
}

function dineroRows(): DineroRow[] {
  const [head, ...lines] = readFileSync(join(FIXTURES, 'dinero-misses.csv'), 'utf8').trim().split('\n');
  expect(head).toBe('trace,side,entries,ways,references,misses');
  return lines.map((line) => {
    const [trace, side, entries, ways, references, misses] = line.split(',');
    return { trace: trace!, side: side as 'I' | 'D', entries: +entries!, ways: +ways!, references: +references!, misses: +misses! };
  });
}

const NONE = { entries: 0, ways: 1 };
const oneLevel = (entries: number, ways: number, large = NONE): TlbGeometry => ({
  l1i: { entries, ways },
  l1d: { entries, ways },
  stlb: NONE,
  large,
  replacement: 'lru',
});

let dir = '';
let hmtPath = '';
const replays = new Map<string, Promise<TlbReplayResult>>();

/** One replay per geometry, shared by its I and D rows. */
function replay(geometry: TlbGeometry): Promise<TlbReplayResult> {
  const key = JSON.stringify(geometry);
  let r = replays.get(key);
  if (r === undefined) {
    r = openTrace(hmtPath).then((source) => replayTlbOnly(source, geometry));
    replays.set(key, r);
  }
  return r;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hmsim-tlb-dinero-'));
  hmtPath = join(dir, `${TRACE}.hmt`);
  const writer = await openTraceWriter(hmtPath, { source: 'lackey', cpus: 1 });
  const input = createReadStream(join(FIXTURES, `${TRACE}.lackey.gz`)).pipe(createGunzip());
  await lackeyImporter.run(input, writer, { file: `${TRACE}.lackey.gz`, skipBad: false });
  await writer.close();
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('pure TLB replay reproduces Dinero IV exactly (busybox gzip lackey trace)', () => {
  const rows = dineroRows();
  it('covers every geometry of the CSV', () => {
    expect(rows.length).toBe(14);
  });
  for (const row of rows) {
    it(
      `${row.trace} ${row.side} side, ${row.entries} entries ${row.ways}-way LRU: ` + `${row.references} references, ${row.misses} misses`,
      async () => {
        const r = await replay(oneLevel(row.entries, row.ways));
        const side = row.side === 'I' ? 'i' : 'd';
        expect({ references: r.references[side], misses: r.misses[side] }).toEqual({
          references: row.references,
          misses: row.misses,
        });
        expect(r.walks).toBe(r.misses.i + r.misses.d);
      },
    );
  }

  it('the general replay path (a large-page array present, never used) gives the same counts as the fast path', async () => {
    const geometry = oneLevel(16, 2, { entries: 4, ways: 4 });
    const general = await replay(geometry);
    const fast = await replay(oneLevel(16, 2));
    expect(general).toEqual(fast);
  });
});
