import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';

describe('hmsim CLI basics', () => {
  it('prints its version and exits 0', () => {
    const r = runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('rejects an unknown command with exit code 2 and no stack trace', () => {
    const r = runCli(['no-such-command']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
