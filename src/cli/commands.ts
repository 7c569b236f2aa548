import type { Command } from 'commander';

/**
 * The command table: one file per command under src/cli/, each exporting `register(program)`.
 * Add a line here when adding a command.
 */
export const COMMANDS: ReadonlyArray<() => Promise<{ register: (program: Command) => void }>> = [
  () => import('./models.ts'),
  () => import('./import.ts'),
  () => import('./gen.ts'),
  () => import('./trace.ts'),
  () => import('./layout.ts'),
  () => import('./capacity.ts'),
  () => import('./run.ts'),
  () => import('./compare.ts'),
  () => import('./sweep.ts'),
  () => import('./merge.ts'),
  () => import('./check.ts'),
];
