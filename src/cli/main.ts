import { Command, CommanderError } from 'commander';
import { UserError, EXIT } from '../errors.ts';
import { HMSIM_VERSION } from '../version.ts';
import { COMMANDS } from './commands.ts';

/**
 * The `hmsim` command line. Only the CLI calls process.exit. A UserError prints one line
 * ("hmsim: what, where, what was expected") and exits with its code (2); anything else is a bug
 * and prints its stack trace (exit 70).
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command();
  program
    .name('hmsim')
    .description('Trace-driven performance modeler for 32-bit x86 Linux memory management (HIGHMEM, kmap, VMSPLIT)')
    .version(HMSIM_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const load of COMMANDS) (await load()).register(program);
  program.commands.forEach((c) => c.exitOverride());
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its message (unknown option, missing argument, --help, --version).
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof UserError) {
      process.stderr.write(`hmsim: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`hmsim: internal error (a bug, please report it)\n${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.internal;
  }
}

const isEntry = process.argv[1] !== undefined && /(?:main\.ts|hmsim(?:\.js)?)$/.test(process.argv[1]);
if (isEntry || process.env['HMSIM_CLI'] === '1') {
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
}
