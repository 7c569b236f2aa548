/**
 * Merging shard outputs: every folder must come from the same sweep (same spec hash); together they
 * must hold every point exactly once (a point present twice must have the same input hash). The result
 * is written by the same code as an unsharded run, so it is byte for byte what that run writes.
 */
import { InputError, UsageError } from '../errors.ts';
import { assertReplaceableOutput } from '../io/atomic.ts';
import type { ReportFormat } from '../report/formats.ts';
import type { SweepCell } from './cells.ts';
import type { ThemeName } from '../report/theme.ts';
import { writeSweepOutput } from './output.ts';
import { expandPoints } from './points.ts';
import type { Shard } from './shard.ts';
import { specDifferences } from './spec.ts';
import { loadAllPoints, readSweepFile, type PointRecord } from './store.ts';

/** What a merge wrote. */
export interface MergeOutcome {
  readonly points: number;
  readonly cells: SweepCell[];
}

/** Merges the sweep outputs in `dirs` into `out`. */
export async function mergeSweeps(
  dirs: readonly string[],
  out: string,
  options: { force: boolean; theme?: ThemeName; formats?: readonly ReportFormat[] },
): Promise<MergeOutcome> {
  if (dirs.length === 0) throw new UsageError('merge: expected one or more sweep output folders (hmsim merge DIR... --out DIR)');
  await assertReplaceableOutput(out, options.force);
  const files = await Promise.all(dirs.map((d) => readSweepFile(d)));
  const first = files[0] as (typeof files)[number];
  files.forEach((f, i) => {
    if (f.specHash !== first.specHash) {
      const diff = specDifferences(first.spec, f.spec);
      throw new InputError(
        `merge: ${dirs[i]} is a shard of a different sweep than ${dirs[0]} (they differ ` +
          `in: ${diff.length > 0 ? diff.join(', ') : 'spec'}); merge only shards of one sweep command`,
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
        throw new InputError(`merge: ${dir}: point ${record.id} is not a point of this sweep`);
      }
      const seen = found.get(record.id);
      if (seen !== undefined && seen.record.hash !== record.hash) {
        throw new InputError(
          `merge: point ${record.id} differs between ${seen.dir} and ${dir} ` +
            `(computed from different inputs: trace, model or hmsim version)`,
        );
      }
      if (seen === undefined) found.set(record.id, { record, dir });
    }
  }
  const missing = points.filter((p) => !found.has(p.id));
  if (missing.length > 0)
    throw new InputError(
      missingPointsMessage(
        missing,
        points.length,
        files.map((f) => f.shard),
      ),
    );
  const written = await writeSweepOutput(
    out,
    spec,
    points,
    [...found.values()].map((f) => f.record),
    null,
    // The shards' checkout, not this one: a merge reports the code that computed the points.
    {
      force: options.force,
      complete: true,
      gitCommit: first.gitCommit,
      theme: options.theme ?? 'default',
      ...(options.formats !== undefined ? { formats: options.formats } : {}),
    },
  );
  return { points: points.length, cells: written?.cells ?? [] };
}

/** Missing point ids named in a merge error, at most this many (then "and N more"). */
const MISSING_NAMED = 6;

/**
 * The one-line error of a merge that lacks points: how many, their ids (the first MISSING_NAMED), the
 * shards that hold them when every folder given is a shard of the same count, and the shards given.
 */
export function missingPointsMessage(
  missing: readonly { id: string; index: number }[],
  total: number,
  shards: readonly (Shard | null)[],
): string {
  const named = missing
    .slice(0, MISSING_NAMED)
    .map((p) => p.id)
    .join(', ');
  const more = missing.length > MISSING_NAMED ? ` and ${missing.length - MISSING_NAMED} more` : '';
  const counts = new Set(shards.map((s) => (s === null ? 0 : s.count)));
  let holders = '';
  if (counts.size === 1 && !counts.has(0)) {
    const n = (shards[0] as Shard).count;
    const idx = [...new Set(missing.map((p) => p.index % n))].sort((a, b) => a - b);
    holders = `${idx.length === 1 ? 'shard' : 'shards'} ${idx.map((i) => `${i}/${n}`).join(', ')}; `;
  }
  const given = [...new Set(shards.map((s) => (s === null ? 'all' : `${s.index}/${s.count}`)))].join(', ');
  return (
    `merge: ${missing.length} of ${total} points are missing: ${named}${more} ` +
    `(${holders}shards given: ${given}); run the missing shards and merge again`
  );
}
