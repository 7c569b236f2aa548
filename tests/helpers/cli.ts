import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Repository root (tests run from anywhere). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `hmsim ARGS` as a user would (a child process through bin/hmsim.js). */
export function runCli(args: readonly string[], options: { input?: string | Buffer; cwd?: string } = {}): CliRun {
  const r = spawnSync(process.execPath, [`${ROOT}bin/hmsim.js`, ...args], {
    cwd: options.cwd ?? ROOT,
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
