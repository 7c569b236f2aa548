/**
 * Property tests: every importer (lackey, din, din-binary, strace, ftrace) fed random bytes, random
 * line-shaped text and mutations of a valid sample either imports or fails with one UserError whose one
 * line names the input — never another error, never a hang (each case has a time budget through
 * fast-check's `timeout`; inputs are a few KiB at most).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../../src/errors.ts';
import { IMPORTERS, type Importer } from '../../src/trace/importers/registry.ts';
import type { RecordBatch, TraceRecord, TraceSink } from '../../src/trace/records.ts';
import { defaultRelocationFor, parseRelocation, Relocator } from '../../src/trace/relocate.ts';
import { textStream } from '../trace/hmt-helpers.ts';
import { mutation, mutate } from './mutate.ts';

/** The name the inputs go by in messages. */
const FILE = 'fuzz-input';
/** fast-check settings: a fixed seed (reproducible), a per-case time budget, a modest case count. */
const FC = { seed: 9009, numRuns: 60, timeout: 5000 } as const;

/** A sink that counts records (and checks the importer never pushes after close). */
class CountSink implements TraceSink {
  records = 0;
  closed = false;
  push(_r: TraceRecord): void {
    expect(this.closed).toBe(false);
    this.records++;
  }
  pushBatch(b: RecordBatch): void {
    this.records += b.length;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** The first `n` lines of a gzip fixture. */
function fixtureLines(path: string, from: number, n: number): string {
  const text = path.endsWith('.gz') ? gunzipSync(readFileSync(path)).toString('latin1') : readFileSync(path, 'latin1');
  return (
    text
      .split('\n')
      .slice(from, from + n)
      .join('\n') + '\n'
  );
}

/** din binary records: address u32 LE, size u16 LE, type u8, pad u8 (src/trace/importers/din.ts). */
function dinBinarySample(): Uint8Array {
  const out = Buffer.alloc(8 * 32);
  for (let i = 0; i < 32; i++) {
    out.writeUInt32LE(0x08048000 + i * 64, i * 8);
    out.writeUInt16LE(4, i * 8 + 4);
    out[i * 8 + 6] = i % 3;
  }
  return out;
}

/** A valid input of each format (from the repository's fixtures where one exists). */
const SAMPLES: Record<string, Uint8Array> = {
  lackey: Buffer.from(fixtureLines('tests/fixtures/validation/tlb/busybox-gzip-3k.lackey.gz', 0, 60), 'latin1'),
  din: Buffer.from(['0 08048000', '1 0804a010', '2 08048004', 'r 0804b000 4', 'w 0804b004 8', 'i 08048008 2', ''].join('\n'), 'latin1'),
  'din-binary': dinBinarySample(),
  strace: Buffer.from(fixtureLines('tests/fixtures/strace/cat.log', 0, 60), 'latin1'),
  ftrace: Buffer.from(fixtureLines('tests/fixtures/validation/ftrace/debian-6.1-pae-2G-smp2-dd.trace.gz', 0, 260), 'latin1'),
};

/** Imports `bytes` with `importer`: resolves to the record count, or to the UserError it threw. */
async function importBytes(importer: Importer, bytes: Uint8Array, skipBad: boolean, chunk: number): Promise<number | UserError> {
  const sink = new CountSink();
  // The relocation `hmsim import` applies by default (strace: auto), fresh for every input.
  const rules = defaultRelocationFor(importer.name);
  const mapAddress = rules === undefined ? {} : { mapAddress: new Relocator(parseRelocation(rules)).addressMapper() };
  try {
    const stats = await importer.run(textStream(bytes, chunk), sink, { file: FILE, skipBad, cpus: 2, cpu: 0, ...mapAddress });
    expect(stats.records).toBe(sink.records);
    return stats.records;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return err;
  }
}

/**
 * The documented failure: a UserError of one line that names the input (or, for `--relocate auto`
 * running out of room, the option whose rule could not place the addresses).
 */
function expectDocumentedError(outcome: number | UserError): void {
  if (typeof outcome === 'number') return;
  expect(outcome.message).not.toContain('\n');
  expect(outcome.message).toMatch(new RegExp(`^(${FILE}|--relocate )`));
  expect(outcome.exitCode).toBe(2);
}

/** Text made of line-shaped pieces of every format, with junk in between. */
const lineText = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'I  0804a000,4',
        ' L bffff000,8',
        ' S 1,1',
        ' M ffffffff,0',
        '==1== x',
        '0 1000',
        '2 ffffffffffffffff',
        'r 10 ffffffff',
      ),
      fc.constantFrom(
        '1 1.5 read(3, "", 4) = 0',
        '1 1.5 <... read resumed>) = 4',
        '1 1.6 --- SIGCHLD {} ---',
        '1 1.7 +++ exited with 0 +++',
      ),
      fc.constantFrom(
        '  dd-91 [000] .... 4.6: kmap_local: (x) pfn=1',
        '  dd-91 [001] d... 4.7: sched_switch: prev_pid=1 next_pid=2',
        '# tracer: nop',
      ),
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
    ),
    { maxLength: 40 },
  )
  .map((lines) => Buffer.from(lines.join('\n'), 'latin1'));

describe.each([...IMPORTERS.keys()])('importer %s under hostile input (property)', (name) => {
  const importer = IMPORTERS.get(name)!;
  const sample = SAMPLES[name]!;

  it('imports its valid sample (the mutations below start from a good input)', async () => {
    const outcome = await importBytes(importer, sample, false, 1 << 16);
    if (typeof outcome !== 'number') throw outcome;
    expect(outcome).toBeGreaterThan(0);
  });

  it('answers random bytes with records or a one-line UserError naming the input', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 4096 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 512 }),
        async (bytes, skipBad, chunk) => {
          expectDocumentedError(await importBytes(importer, bytes, skipBad, chunk));
        },
      ),
      FC,
    );
  });

  it('answers line-shaped junk with records or a one-line UserError naming the input', async () => {
    await fc.assert(
      fc.asyncProperty(lineText, fc.boolean(), async (bytes, skipBad) => {
        expectDocumentedError(await importBytes(importer, bytes, skipBad, 97));
      }),
      FC,
    );
  });

  it('answers mutations of a valid input (flipped, cut, spliced, overwritten bytes) the same way', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, fc.boolean(), async (m, skipBad) => {
        expectDocumentedError(await importBytes(importer, mutate(sample, m), skipBad, 333));
      }),
      FC,
    );
  });
});
