/**
 * A progress bar for long replays, on stderr only: records replayed, rate and time left.
 *
 * States of a reporter:
 * - silent: stderr is not a terminal, or `--quiet` was given — every call does nothing;
 * - drawing: redraws one line (carriage return, no newline) at most every `intervalMs`;
 * - finished: `finish()` cleared the line; further calls do nothing.
 * It never writes to stdout, so results piped from stdout stay clean.
 */

/** The part of a stream the reporter uses (process.stderr satisfies it). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): boolean;
}

export interface ProgressOptions {
  /** Records to replay in total (0 or unknown: no percentage and no time left). */
  readonly total: number;
  /** Text in front of the bar, e.g. the configuration name. */
  readonly label?: string;
  /** `--quiet`. */
  readonly quiet?: boolean;
  /** Default process.stderr. */
  readonly stream?: ProgressStream;
  /** Clock in milliseconds; default performance.now. Injected by tests. */
  readonly now?: () => number;
  /** Minimum time between redraws, ms (default 100). */
  readonly intervalMs?: number;
}

export interface ProgressReporter {
  /**
   * Reports `done` records replayed so far (absolute, not an increment); `total`, when given, replaces
   * the total known at creation (replay's onProgress passes both).
   */
  update(done: number, total?: number): void;
  /** Clears the line; the reporter is silent afterwards. */
  finish(): void;
}

const SILENT: ProgressReporter = { update() {}, finish() {} };

/** Creates a reporter: a silent one unless the stream is a TTY and not quiet. */
export function createProgress(options: ProgressOptions): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  if (options.quiet || !stream.isTTY) return SILENT;
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 100;
  const start = now();
  let lastDraw = -Infinity;
  let finished = false;
  let knownTotal = options.total;
  return {
    update(done: number, total?: number) {
      if (finished) return;
      if (total !== undefined && total > 0) knownTotal = total;
      const t = now();
      if (t - lastDraw < interval && done < knownTotal) return;
      lastDraw = t;
      const line = progressLine(done, knownTotal, (t - start) / 1000, options.label ?? '', stream.columns ?? 80);
      stream.write(`\r${line}\u001b[K`);
    },
    finish() {
      if (finished) return;
      finished = true;
      stream.write('\r\u001b[K');
    },
  };
}

/**
 * One progress line, at most `width` characters:
 * `label [#######.......]  45%  1.2M/2.7M records  3.4M rec/s  ETA 0:02`.
 */
export function progressLine(done: number, total: number, elapsedSeconds: number, label: string, width: number): string {
  const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  const counts = total > 0 ? `${compact(done)}/${compact(total)} records` : `${compact(done)} records`;
  const speed = `${compact(rate)} rec/s`;
  const eta = total > 0 && rate > 0 ? `ETA ${duration((total - done) / rate)}` : '';
  const pct = total > 0 ? `${String(Math.floor((100 * Math.min(done, total)) / total)).padStart(3)}%` : '';
  const tail = [pct, counts, speed, eta].filter((s) => s !== '').join('  ');
  const head = label ? `${label} ` : '';
  const barWidth = Math.max(0, Math.min(30, width - head.length - tail.length - 4));
  const filled = total > 0 ? Math.round((barWidth * Math.min(done, total)) / total) : 0;
  const bar = barWidth > 0 && total > 0 ? `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ` : '';
  return `${head}${bar}${tail}`.slice(0, Math.max(0, width - 1));
}

/** 1234 → "1.2k", 2_500_000 → "2.5M". */
function compact(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/** Seconds → "m:ss" or "h:mm:ss". */
function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
