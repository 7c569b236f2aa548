/**
 * Runs `hmsim ARGS` in this process (src/cli/main.ts `main`) and captures what it writes, without a
 * child process. Signals come from a fake source (a test can interrupt the command by calling
 * `interrupt`); the test process's own SIGINT/SIGTERM handling is not touched.
 */
import { main } from '../../src/cli/main.ts';
import type { SignalSource } from '../../src/cli/signals.ts';

export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A SignalSource that only ever delivers what the test sends. */
export class FakeSignals implements SignalSource {
  readonly pid = process.pid;
  private readonly listeners = new Set<(signal: NodeJS.Signals) => void>();
  on(_event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): void {
    this.listeners.add(listener);
  }
  off(_event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): void {
    this.listeners.delete(listener);
  }
  /** Delivers `signal` to the listening scope. */
  send(signal: NodeJS.Signals): void {
    for (const l of [...this.listeners]) l(signal);
  }
}

/** `hmsim ARGS`, in process, with its stdout and stderr captured. */
export async function runCaptured(args: readonly string[], signals: SignalSource = new FakeSignals()): Promise<CapturedRun> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array): boolean => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(args, signals);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}
