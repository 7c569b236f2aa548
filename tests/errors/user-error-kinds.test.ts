/**
 * The kinds of UserError (src/errors.ts): every kind is still a UserError (exit 2, one line, no stack
 * trace at the CLI), and each failure throws the kind that says whose input was wrong — the command line,
 * a configuration or model, an input file, or an output — including across worker threads and when a
 * caller adds context to the message.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, InputError, UsageError, UserError, WriteError, userErrorOfKind } from '../../src/errors.ts';
import { assertReplaceableOutput } from '../../src/io/atomic.ts';
import { fsUserError, writeError } from '../../src/io/fs-errors.ts';
import { resolveConfig } from '../../src/layout/configs.ts';
import { loadModel } from '../../src/models/load.ts';
import { packError, unpackError } from '../../src/sweep/run-job.ts';
import { TraceIntegrityError } from '../../src/trace/hmt/messages.ts';
import { readAllRecords } from '../../src/trace/hmt/reader.ts';
import { parseSize } from '../../src/units/size.ts';

const dir = mkdtempSync(join(tmpdir(), 'hmsim-error-kinds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What `fn` threw (it must throw). */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('UserError kinds', () => {
  it('each kind is a UserError with exit code 2 and its own name', () => {
    for (const [Kind, name] of [
      [UsageError, 'UsageError'],
      [ConfigError, 'ConfigError'],
      [InputError, 'InputError'],
      [WriteError, 'WriteError'],
    ] as const) {
      const e = new Kind('x');
      expect(e).toBeInstanceOf(UserError);
      expect(e.exitCode).toBe(2);
      expect(e.name).toBe(name);
    }
  });

  it('a message reworded on the way up keeps the kind and the exit code', () => {
    const e = new ConfigError('--split: nope', 3).withMessage('--grid split: nope');
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe('--grid split: nope');
    expect(new TraceIntegrityError('t.hmt at byte 9: bad').withMessage('x')).toBeInstanceOf(TraceIntegrityError);
  });

  it('a sweep worker’s error comes back to the main thread as the same kind', () => {
    for (const e of [new UsageError('u'), new ConfigError('c'), new InputError('i'), new WriteError('w'), new UserError('plain')]) {
      const back = unpackError(packError(e));
      expect(back.constructor).toBe(e.constructor);
      expect(back.message).toBe(e.message);
    }
    expect(userErrorOfKind('TraceIntegrityError', 'm')).toBeInstanceOf(InputError);
    expect(userErrorOfKind('SomethingElse', 'm').constructor).toBe(UserError);
  });

  it('a malformed option is a UsageError', async () => {
    expect(await thrown(() => parseSize('--ram', 'lots'))).toBeInstanceOf(UsageError);
  });

  it('a configuration the kernel does not allow, or an unknown one, is a ConfigError', async () => {
    expect(await thrown(() => resolveConfig({ config: 'no-such-config' }))).toBeInstanceOf(ConfigError);
    expect(await thrown(() => resolveConfig({ config: '3g1g-highmem', pae: true, highmem: '4G' }))).toBeInstanceOf(ConfigError);
  });

  it('a model whose values break its rules is a ConfigError; a model file that is not JSON is an InputError', async () => {
    expect(await thrown(() => loadModel('core2', ['tlb.l1d.ways=3']))).toBeInstanceOf(ConfigError);
    expect(await thrown(() => loadModel('tests/models/fixtures/not-json.json'))).toBeInstanceOf(InputError);
  });

  it('a damaged trace is an InputError (its integrity kind, for trace verify, is one too)', async () => {
    const bytes = readFileSync('traces/stream-small.hmt');
    const path = join(dir, 'cut.hmt');
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(await thrown(() => readAllRecords(path))).toBeInstanceOf(InputError);
  });

  it('an output that cannot be written is a WriteError', async () => {
    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    expect(await thrown(() => assertReplaceableOutput(foreign, false))).toBeInstanceOf(WriteError);
    const enospc = Object.assign(new Error('ENOSPC'), { code: 'ENOSPC', syscall: 'write' });
    expect(writeError(enospc, 'out.hmt')).toBeInstanceOf(WriteError);
    expect(fsUserError({ code: 'EACCES', syscall: 'mkdir', path: 'out' })).toBeInstanceOf(WriteError);
    expect(fsUserError({ code: 'ENOENT', syscall: 'open', path: 'in.hmt' })).toBeInstanceOf(InputError);
  });
});
