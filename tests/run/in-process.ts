/**
 * `hmsim ARGS` in this process, output captured: the shared helper (tests/helpers/in-process.ts) under the
 * name these tests use. Exit codes and one-line errors are also checked through tests/helpers/cli.ts `runCli`.
 */
export { runCaptured as runMain } from '../helpers/in-process.ts';
