/**
 * One line of `strace -f -ttt` text, parsed into a plain value (no state, no records).
 *
 * Accepted line shapes (strace 4.x–6.x):
 * ```
 * PID  1795628368.545020 read(3, "abc"..., 4096) = 3           complete call
 * PID  1795628368.545020 read(3,  <unfinished ...>               first half of an interrupted call
 * PID  1795628368.545030 <... read resumed>"abc"..., 4096) = 3  second half
 * PID  1795628368.545040 --- SIGCHLD {si_signo=SIGCHLD, ...} ---   signal delivery
 * PID  1795628368.545050 +++ exited with 0 +++                  task end (also "+++ killed by SIGPIPE +++")
 * ```
 * The PID prefix may be absent (no `-f`) or written `[pid N]` (strace -f writing to a terminal);
 * the timestamp may be `-ttt` (seconds.micro), `-tt` (HH:MM:SS.micro), `-r` (seconds.micro since the
 * previous line: the converter tells it from `-ttt` by its first line, 0.000000) or absent; a `-T` suffix (`<0.000012>`)
 * is the call's duration. `-y`/`-yy` decorations of descriptors (`3</etc/passwd>`, `AT_FDCWD</tmp>`,
 * `4<pipe:[123]>`, also on results) are dropped; a result may be followed by its decoding
 * (`= 0x8000 (flags O_RDONLY|O_LARGEFILE)`, `= 1 ([{fd=3, revents=POLLIN}])`, `= -1 ENOENT (...)`).
 */

/** A complete system call: name, raw argument texts and result. */
export interface StraceCall {
  readonly type: 'call';
  readonly pid: number | null;
  /** Microseconds from the timestamp column (epoch or time of day), null without timestamps. */
  readonly timeUs: number | null;
  readonly name: string;
  /** Top-level argument texts, trimmed (`"abc"...`, `0x7f00`, `O_RDONLY|O_CLOEXEC`, ...). */
  readonly args: readonly string[];
  /** Numeric result, or null when strace printed `?` (exit, exit_group, an unavailable result). */
  readonly ret: number | null;
  /** `ENOENT` etc. when the call failed (result −1 with an errno name). */
  readonly errno: string | null;
  /** `-T` duration in microseconds, null without `-T`. */
  readonly durationUs: number | null;
}

/** The first half of a call another process's line interrupted (`... <unfinished ...>`). */
export interface StraceUnfinished {
  readonly type: 'unfinished';
  readonly pid: number | null;
  readonly timeUs: number | null;
  readonly name: string;
  /** The text before ` <unfinished ...>`, starting with `name(`. */
  readonly head: string;
}

/** The second half (`<... name resumed>...`), to be joined with the unfinished first half. */
export interface StraceResumed {
  readonly type: 'resumed';
  readonly pid: number | null;
  readonly timeUs: number | null;
  readonly name: string;
  /** The text after `<... name resumed>`. */
  readonly tail: string;
}

/** A signal delivery (`--- SIGCHLD {...} ---`). */
export interface StraceSignal {
  readonly type: 'signal';
  readonly pid: number | null;
  readonly timeUs: number | null;
  readonly signal: string;
}

/** The end of a task (`+++ exited with N +++`, `+++ killed by SIG +++`). */
export interface StraceExit {
  readonly type: 'exit';
  readonly pid: number | null;
  readonly timeUs: number | null;
  /** `exited with N` or `killed by SIG`. */
  readonly how: string;
}

/** Lines that carry nothing for the trace (blank lines, `<detached ...>`, strace's own notes). */
export interface StraceNote {
  readonly type: 'note';
}

/** Set on a line whose timestamp is `SECONDS.MICROS` (`-ttt` or `-r`), not `HH:MM:SS.MICROS` (`-tt`). */
export interface SecondsForm {
  readonly secondsForm?: boolean;
}

/** Any parsed line. */
export type StraceLine = StraceCall | StraceUnfinished | StraceResumed | StraceSignal | StraceExit | StraceNote;

/** What a well-formed line looks like, for error messages. */
export const STRACE_LINE_EXPECTED =
  "'PID SECONDS.MICROS name(args) = result' (strace -f -ttt), a '<... name resumed>' half, '--- SIG... ---' or '+++ exited ... +++'";

/** Thrown by the line parser; the importer adds the file and line number. */
export class StraceSyntaxError extends Error {}

const PREFIX = /^\s*(?:\[pid\s+(\d+)\]\s*|(\d+)\s+)?(?:(\d+)\.(\d{1,9})\s+|(\d\d):(\d\d):(\d\d)\.(\d{1,9})\s+)?/;
const RESUMED = /^<\.\.\. ([\w?]+) resumed>\s?(.*)$/s;
const CALL_START = /^([A-Za-z_][\w]*|\?\?\?)\(/;
const UNFINISHED = /\s*<unfinished \.\.\.>\s*$/;
const RESULT = /^\s*=\s*(\?|-?\d+|0x[0-9a-fA-F]+)(?:<[^>]*>)?(?:\s+([A-Z][A-Z0-9_]*)\b.*?|\s+\(.*?\))?(?:\s*<(\d+)\.(\d{1,9})>)?\s*$/s;
/** A `-y`/`-yy` decoration after a descriptor number (`3</etc/passwd>`, `4<pipe:[123]>`). */
const FD_DECORATION = /^(-?\d+|AT_FDCWD)<.*>$/s;

/** Parses one line. Throws StraceSyntaxError (with what was expected) for anything else. */
export function parseStraceLine(text: string): StraceLine {
  const line = parseLine(text);
  if (line.type !== 'note' && line.timeUs !== null && PREFIX.exec(text)![3] !== undefined)
    (line as { secondsForm?: boolean }).secondsForm = true;
  return line;
}

function parseLine(text: string): StraceLine {
  const m = PREFIX.exec(text)!;
  const pid = m[1] !== undefined ? Number(m[1]) : m[2] !== undefined ? Number(m[2]) : null;
  const timeUs = timestampUs(m);
  const body = text.slice(m[0].length).trimEnd();
  if (body === '') {
    if (pid === null && timeUs === null) return { type: 'note' };
    throw new StraceSyntaxError('a system call after the pid and timestamp, found nothing');
  }
  if (body.startsWith('+++ ')) {
    const e = /^\+\+\+ (exited with -?\d+|killed by \w+(?: \(core dumped\))?) \+\+\+$/.exec(body);
    if (!e) throw new StraceSyntaxError("'+++ exited with N +++' or '+++ killed by SIG +++'");
    return { type: 'exit', pid, timeUs, how: e[1]! };
  }
  if (body.startsWith('--- ')) {
    const s = /^--- (\w+)\b.*---$/.exec(body);
    if (!s) throw new StraceSyntaxError("a signal line '--- SIGNAME {...} ---'");
    return { type: 'signal', pid, timeUs, signal: s[1]! };
  }
  if (body.startsWith('<... ')) {
    const r = RESUMED.exec(body);
    if (!r) throw new StraceSyntaxError("'<... name resumed>' followed by the rest of the call");
    return { type: 'resumed', pid, timeUs, name: r[1]!, tail: r[2]! };
  }
  if (body.startsWith('<detached') || body.startsWith('strace: ') || body.startsWith('????')) return { type: 'note' };
  const c = CALL_START.exec(body);
  if (!c) throw new StraceSyntaxError(STRACE_LINE_EXPECTED);
  const name = c[1]!;
  if (UNFINISHED.test(body)) return { type: 'unfinished', pid, timeUs, name, head: body.replace(UNFINISHED, '') };
  const call = parseCallText(body);
  return { type: 'call', pid, timeUs, ...call };
}

/** Parses `name(args) = result [ERRNO (text)]` into its parts (also used for joined unfinished/resumed halves). */
export function parseCallText(body: string): {
  name: string;
  args: string[];
  ret: number | null;
  errno: string | null;
  durationUs: number | null;
} {
  const c = CALL_START.exec(body);
  if (!c) throw new StraceSyntaxError(STRACE_LINE_EXPECTED);
  const open = c[0].length;
  const { args, end } = splitArgs(body, open);
  if (end < 0) throw new StraceSyntaxError(`a closing ')' for ${c[1]}(`);
  const r = RESULT.exec(body.slice(end + 1));
  if (!r) throw new StraceSyntaxError(`' = result' after ${c[1]}(...)`);
  const ret = r[1] === '?' ? null : parseIntText(r[1]!);
  const durationUs = r[3] !== undefined ? Number(r[3]) * 1e6 + fractionUs(r[4]!) : null;
  return { name: c[1]!, args: args.map(undecorated), ret, errno: r[2] ?? null, durationUs };
}

/** An argument without its `-y`/`-yy` descriptor decoration. */
function undecorated(arg: string): string {
  const m = FD_DECORATION.exec(arg);
  return m ? m[1]! : arg;
}

/**
 * Splits the argument list that starts at `from` (just after the opening parenthesis) at top-level
 * commas, honouring quotes (with backslash escapes), (), [] and {}. Returns the trimmed arguments and
 * the index of the closing parenthesis (−1 if the text ends first).
 */
export function splitArgs(text: string, from: number): { args: string[]; end: number } {
  const args: string[] = [];
  let depth = 0;
  let start = from;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
      continue;
    }
    if (ch === 34) inString = true;
    else if (ch === 40 || ch === 91 || ch === 123) depth++;
    else if (ch === 93 || ch === 125) depth--;
    else if (ch === 41 /* ) */) {
      if (depth === 0) {
        const last = text.slice(start, i).trim();
        if (last !== '' || args.length > 0) args.push(last);
        return { args, end: i };
      }
      depth--;
    } else if (ch === 44 /* , */ && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return { args, end: -1 };
}

/** Integer from strace text: decimal, `0x` hex or `-1`. NaN when the text is not an integer. */
export function parseIntText(text: string): number {
  const t = text.trim();
  if (/^-?\d+$/.test(t)) return Number(t);
  if (/^0x[0-9a-fA-F]+$/.test(t)) return Number.parseInt(t.slice(2), 16);
  return Number.NaN;
}

function timestampUs(m: RegExpExecArray): number | null {
  if (m[3] !== undefined) return Number(m[3]) * 1e6 + fractionUs(m[4]!);
  if (m[5] !== undefined) {
    const seconds = Number(m[5]) * 3600 + Number(m[6]) * 60 + Number(m[7]);
    return seconds * 1e6 + fractionUs(m[8]!);
  }
  return null;
}

/** "545020" → 545020 µs; "5" → 500000 µs; nanosecond digits beyond six are dropped. */
function fractionUs(digits: string): number {
  return Number(digits.padEnd(6, '0').slice(0, 6));
}
