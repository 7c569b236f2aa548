/**
 * One line of ftrace text (`/sys/kernel/tracing/trace`, or `trace-cmd report`), parsed into a plain value.
 *
 * ```
 *           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
 *             dd-91      [000] d..2.  4.601693: sched_switch: prev_comm=dd prev_pid=91 ... next_pid=7 ...
 *           init-1       [001] ...1.  4.599836: sys_write(fd: 1, buf: 8758d70, count: 1)
 *             dd-91      [000]        4.601693: kmap_local: (__kmap_local_pfn_prot+0x0/0x180) pfn=522607
 * ```
 * TASK may contain spaces and dashes (`kworker/0:0-7`, `<idle>-0`): the pid is the last `-digits` before
 * the `[CPU]` column. The latency flags column is optional (trace-cmd report prints it only with `-l`).
 * Lines starting with `#`, blank lines and trace-cmd's `cpus=N`/`version = N` preamble are skipped.
 */

/** One event line. */
export interface FtraceEvent {
  readonly task: string;
  readonly pid: number;
  readonly cpu: number;
  /** Timestamp in nanoseconds (exact: parsed from the decimal text, not through a float). */
  readonly timeNs: number;
  /** Event name: `kmap_local`, `sched_switch`, `sys_write`, `sys_enter_write`, ... */
  readonly event: string;
  /** Everything after `EVENT: ` (or the `(...)` of a syscall event). */
  readonly fields: string;
}

/** What a well-formed line looks like, for error messages. */
export const FTRACE_LINE_EXPECTED = "'TASK-PID [CPU] FLAGS SECONDS.MICROS: EVENT: fields' (ftrace text)";

const EVENT_LINE =
  /^\s*(.*?)-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[(\d+)\]\s+(?:[^\s\d]\S{2,5}\s+)?(\d+)\.(\d{1,9}):\s+([\w.:-]+?)(?::\s*|(?=\()|\s+(?=->))(.*)$/;

/** Parses one line: an event, null for a line that carries nothing, or throws with what was expected. */
export function parseFtraceLine(text: string): FtraceEvent | null {
  const t = text.trimEnd();
  if (t === '' || t.startsWith('#') || /^(?:cpus=\d+|version = \S+|CPU \d+ is empty|CPU:\d+ \[LOST)/.test(t.trim())) return null;
  const m = EVENT_LINE.exec(t);
  if (!m) throw new FtraceSyntaxError(FTRACE_LINE_EXPECTED);
  const frac = m[5]!;
  const timeNs = Number(m[4]) * 1e9 + Number(frac.padEnd(9, '0'));
  return { task: m[1]!.trim(), pid: Number(m[2]), cpu: Number(m[3]), timeNs, event: m[6]!, fields: m[7]!.trim() };
}

/** Thrown by the line parser; the importer adds file and line. */
export class FtraceSyntaxError extends Error {}

/**
 * The value of `name=value` (or `name: value`) in an event's fields, or undefined.
 * @example fieldValue('prev_pid=91 prev_prio=120', 'prev_pid') === '91'
 */
export function fieldValue(fields: string, name: string): string | undefined {
  const re = new RegExp(`(?:^|[\\s,(])${name}(?:=|:\\s*)([^\\s,)]+)`);
  return re.exec(fields)?.[1];
}

/** An integer field: decimal, or hex with or without `0x` when `hex` is set. */
export function intField(fields: string, name: string, hex = false): number {
  const v = fieldValue(fields, name);
  if (v === undefined) throw new FtraceSyntaxError(`a field '${name}=' in '${fields.slice(0, 80)}'`);
  const n = /^0x[0-9a-f]+$/i.test(v)
    ? Number.parseInt(v.slice(2), 16)
    : hex && /^[0-9a-f]+$/i.test(v)
      ? Number.parseInt(v, 16)
      : /^-?\d+$/.test(v)
        ? Number(v)
        : Number.NaN;
  if (Number.isNaN(n)) throw new FtraceSyntaxError(`an integer for '${name}', found '${v}'`);
  return n;
}
