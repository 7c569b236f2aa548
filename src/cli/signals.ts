/**
 * Ctrl-C (SIGINT) and kill (SIGTERM) during a command: one InterruptScope per `main()` call.
 *
 * States of a scope:
 * - **armed**: handlers installed, no signal yet; `signal` has not fired.
 * - **interrupted**: a signal arrived. `signal` fired (commands that pass it down stop at their next
 *   check, e.g. the replay between batches) and `interrupted` resolved with the signal's name. Later
 *   signals change nothing.
 * - **disposed**: handlers removed (the command ended, interrupted or not).
 *
 * Cleanup: every hmsim output is first written under a temporary name beside it
 * (`.hmsim-tmp-HOST-PID-…`, src/io/temp-files.ts) and renamed into place, and a replaced output folder
 * is parked as `.hmsim-old-HOST-PID-NAME` for the moment of the swap. `removeTemporaries()`
 * deletes this process's temporaries in the folders of the watched outputs and puts a parked folder
 * back when its replacement never arrived, so an interrupted command leaves the previous output or none.
 * It is synchronous on purpose: it runs right before the process exits.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parkedPrefix, tempPrefix } from '../io/temp-files.ts';

export { parkedPrefix, tempPrefix };

/** The signals that interrupt a command. */
export const INTERRUPT_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** The one-line message of an interrupted command (without the `hmsim: ` prefix). */
export function interruptedMessage(signal: NodeJS.Signals): string {
  return `interrupted by ${signal}: stopped, no new output written (a previous output is left as it was)`;
}

/** The process interface a scope needs (the real `process`, or a fake in tests). */
export interface SignalSource {
  readonly pid: number;
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

type ScopeState = 'armed' | 'interrupted' | 'disposed';

/** Ctrl-C/kill handling for one command run (see the module comment for its states). */
export class InterruptScope {
  private state: ScopeState = 'armed';
  private readonly controller = new AbortController();
  private readonly outputs = new Set<string>();
  private received: NodeJS.Signals | undefined;
  private resolveInterrupted: (signal: NodeJS.Signals) => void = () => undefined;
  private readonly listener = (signal: NodeJS.Signals): void => this.interrupt(signal);
  /** Resolves with the signal's name when the first interrupting signal arrives (never otherwise). */
  readonly interrupted: Promise<NodeJS.Signals>;

  constructor(private readonly source: SignalSource) {
    this.interrupted = new Promise((res) => (this.resolveInterrupted = res));
    for (const s of INTERRUPT_SIGNALS) source.on(s, this.listener);
  }

  /** Fires when the command is interrupted; pass it to anything long-running (ReplayOptions.signal). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The signal that interrupted the command, if one did. */
  get receivedSignal(): NodeJS.Signals | undefined {
    return this.received;
  }

  /** Enters the interrupted state (the first time only). Also what the signal handlers call. */
  interrupt(signal: NodeJS.Signals): void {
    if (this.state !== 'armed') return;
    this.state = 'interrupted';
    this.received = signal;
    this.controller.abort(new Error(interruptedMessage(signal)));
    this.resolveInterrupted(signal);
  }

  /** Remembers an output path (file or folder) whose temporaries are removed if the command is interrupted. */
  watchOutput(path: string): void {
    this.outputs.add(resolve(path));
  }

  /**
   * Removes this process's temporary outputs beside (and, for folders, inside) every watched output, and
   * moves a parked previous output folder back when nothing replaced it. Returns the paths removed.
   */
  removeTemporaries(): string[] {
    const removed: string[] = [];
    const folders = new Set<string>();
    for (const out of this.outputs) {
      folders.add(dirname(out));
      if (isFolder(out)) folders.add(out);
    }
    const tmp = tempPrefix(this.source.pid);
    const parked = parkedPrefix(this.source.pid);
    for (const folder of folders) {
      for (const name of listFolder(folder)) {
        const path = join(folder, name);
        if (name.startsWith(tmp)) {
          rmSync(path, { recursive: true, force: true });
          removed.push(path);
        } else if (name.startsWith(parked)) {
          const original = join(folder, name.slice(parked.length));
          if (this.outputs.has(original) && !existsSync(original)) renameSync(path, original);
          else {
            rmSync(path, { recursive: true, force: true });
            removed.push(path);
          }
        }
      }
    }
    return removed;
  }

  /** Removes the signal handlers (Node's default handling applies again). */
  dispose(): void {
    if (this.state === 'disposed') return;
    this.state = 'disposed';
    for (const s of INTERRUPT_SIGNALS) this.source.off(s, this.listener);
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function listFolder(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

/** Option keys whose values are outputs a command writes (`--out`, `-o`, `--junit`, `--baseline`). */
export const OUTPUT_OPTION_KEYS: readonly string[] = ['out', 'junit', 'baseline'];

/** The output paths among a command's parsed options. */
export function outputsOf(options: Record<string, unknown>): string[] {
  return OUTPUT_OPTION_KEYS.map((k) => options[k]).filter((v): v is string => typeof v === 'string' && v.length > 0 && basename(v) !== '');
}

/** The scope of each running program, so that a command's action can reach it from its Command. */
const SCOPES = new WeakMap<Command, InterruptScope>();

/** Makes `scope` the interrupt scope of `program` and every command under it. */
export function bindInterruptScope(program: Command, scope: InterruptScope): void {
  SCOPES.set(program, scope);
}

/**
 * The AbortSignal of the run `command` belongs to (walks up to the program), or undefined when the
 * command was registered outside `main()` (e.g. a test's own program).
 */
export function interruptSignalOf(command: Command): AbortSignal | undefined {
  for (let c: Command | null = command; c !== null; c = c.parent) {
    const scope = SCOPES.get(c);
    if (scope !== undefined) return scope.signal;
  }
  return undefined;
}
