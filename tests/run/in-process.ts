/**
 * Runs the hmsim CLI in this process (src/cli/main.ts `main`) and captures what it writes, for tests
 * that check command output without paying for a child process. Exit codes and one-line errors are
 * still checked through tests/helpers/cli.ts `runCli`.
 */
import { main } from '../../src/cli/main.ts';

export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `hmsim ARGS`, in process. */
export async function runMain(args: readonly string[]): Promise<InProcessRun> {
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
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}
