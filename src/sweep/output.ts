/**
 * Writing a sweep's final folder, atomically (src/io/atomic.ts): the report when the folder holds
 * every point, then sweep.json and points/. Used by `sweep` (whole sweep or one shard) and `merge`,
 * so a merge of shards writes exactly what one unsharded run writes.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeDirAtomic } from '../io/atomic.ts';
import type { ThemeName } from '../report/theme.ts';
import type { FigureRenderer } from '../report/figure-render.ts';
import type { ReportFormat } from '../report/formats.ts';
import type { SweepCell } from './cells.ts';
import type { SweepPoint } from './points.ts';
import { buildSweepReport } from './report.ts';
import type { Shard } from './shard.ts';
import { SWEEP_FORMAT, SWEEP_VERSION, specHash, type SweepSpec } from './spec.ts';
import { pointJson, POINTS_DIR, SWEEP_FILE, sweepFileJson, type PointRecord } from './store.ts';

/**
 * Writes `out`: `records` are this folder's finished points (any order); `complete` when they are
 * every point of the sweep (then the report is written and `shard` is recorded as null).
 * Returns the cells of the report, or null without one.
 */
export async function writeSweepOutput(
  out: string,
  spec: SweepSpec,
  points: readonly SweepPoint[],
  records: readonly PointRecord[],
  shard: Shard | null,
  options: {
    force: boolean;
    complete: boolean;
    gitCommit: string | null;
    theme?: ThemeName;
    formats?: readonly ReportFormat[];
    /** Renders the report's figures (a sweep's worker threads); default: one after the other here. */
    renderFigure?: FigureRenderer;
  },
): Promise<{ cells: SweepCell[]; header: string } | null> {
  const byId = new Map(points.map((p) => [p.id, p]));
  // Results as saved (JSON round trip): the same bytes whether a point was computed now or read back.
  const ordered = [...records].sort((a, b) => a.index - b.index).map((r) => JSON.parse(pointJson(r)) as PointRecord);
  let report: Awaited<ReturnType<typeof buildSweepReport>> | null = null;
  if (options.complete) {
    const finished = ordered.map((r) => {
      const point = byId.get(r.id);
      if (point === undefined) throw new Error(`writeSweepOutput: point ${r.id} is not in the sweep`);
      return { point, cell: r.cell, result: r.result };
    });
    report = await buildSweepReport(spec, finished, options.gitCommit, {
      theme: options.theme ?? 'default',
      ...(options.formats !== undefined ? { formats: options.formats } : {}),
      ...(options.renderFigure !== undefined ? { renderFigure: options.renderFigure } : {}),
    });
  }
  await writeDirAtomic(
    out,
    async (tmp) => {
      if (report !== null) for (const [name, data] of report.files) await writeFile(join(tmp, name), data);
      await writeFile(
        join(tmp, SWEEP_FILE),
        sweepFileJson({
          format: SWEEP_FORMAT,
          version: SWEEP_VERSION,
          specHash: specHash(spec),
          points: points.length,
          shard: options.complete ? null : shard,
          gitCommit: options.gitCommit,
          spec,
        }),
      );
      await mkdir(join(tmp, POINTS_DIR));
      for (const r of ordered) await writeFile(join(tmp, POINTS_DIR, `${r.id}.json`), pointJson(r));
    },
    { force: options.force },
  );
  return report === null ? null : { cells: report.cells, header: report.header };
}
