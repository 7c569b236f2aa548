/**
 * Runs one hmsim command in this process and captures what it writes, for tests that check command
 * output without paying for a child process or depending on other commands' modules. Only the layout
 * and capacity commands are registered. Exit codes and one-line errors are checked through the real
 * CLI (tests/helpers/cli.ts `runCli`).
 */
import { Command } from 'commander';
import { register as registerCapacity } from '../../src/cli/capacity.ts';
import { register as registerLayout } from '../../src/cli/layout.ts';

export interface InProcessRun {
  stdout: string;
}

/** `hmsim ARGS` for `layout` and `capacity`, in process. Throws what the command throws. */
export async function runMain(args: readonly string[]): Promise<InProcessRun> {
  const program = new Command().name('hmsim').exitOverride();
  registerLayout(program);
  registerCapacity(program);
  program.commands.forEach((c) => {
    c.exitOverride();
  });
  let stdout = '';
  const out = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array): boolean => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync([...args], { from: 'user' });
    return { stdout };
  } finally {
    process.stdout.write = out;
  }
}
