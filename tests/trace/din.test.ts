import { describe, expect, it } from 'vitest';
import { dinImporter, dinBinaryImporter } from '../../src/trace/importers/din.ts';
import { getImporter, IMPORTERS, type ImportOptions } from '../../src/trace/importers/registry.ts';
import { AccessOp, EventKind } from '../../src/trace/records.ts';
import { CollectSink, textStream } from './hmt-helpers.ts';

const opts = (over: Partial<ImportOptions> = {}): ImportOptions => ({ file: 'in.din', skipBad: false, ...over });
const A = { kind: EventKind.access, cpu: 0, pid: 1 };

async function run(input: string | Uint8Array, over: Partial<ImportOptions> = {}, binary = false, chunk?: number) {
  const sink = new CollectSink();
  const stats = await (binary ? dinBinaryImporter : dinImporter).run(textStream(input, chunk), sink, opts(over));
  return { stats, records: sink.records };
}

/** Dinero binary records: u32le address, u16le size, u8 type, pad. */
function binary(records: Array<[number, number, number]>): Uint8Array {
  const out = new Uint8Array(records.length * 8);
  const v = new DataView(out.buffer);
  records.forEach(([addr, size, type], i) => {
    v.setUint32(i * 8, addr, true);
    v.setUint16(i * 8 + 4, size, true);
    out[i * 8 + 6] = type;
  });
  return out;
}

describe('din importers', () => {
  it('reads traditional din: label, hex address rounded down to 4, size 4, rest of the line ignored (as Dinero IV)', async () => {
    const { stats, records } = await run('0 1000\n1 0x2003 comment here\n2\tbfffe001\n3 40\n4 1234\n5 99\n\n');
    expect(records).toEqual([
      { ...A, addr: 0x1000, len: 4 },
      { ...A, op: AccessOp.store, addr: 0x2000, len: 4 },
      { ...A, op: AccessOp.ifetch, addr: 0xbfffe000, len: 4 },
      { ...A, addr: 0x40, len: 4 }, // 3 = misc: a read
    ]);
    expect(stats).toEqual({ lines: 7, records: 4, badLines: 0 }); // 4 copy-back, 5 invalidate and the blank line: no record
  });

  it('reads extended din: r/w/i/m with hex address and size, c/v skipped', async () => {
    const { records } = await run('r 0x1000 4\nw 2004 0x8\ni 08049b00 2\nm fee7c8a0 1\nc 1000 40\nv 1000 40\n');
    expect(records).toEqual([
      { ...A, addr: 0x1000, len: 4 },
      { ...A, op: AccessOp.store, addr: 0x2004, len: 8 },
      { ...A, op: AccessOp.ifetch, addr: 0x08049b00, len: 2 },
      { ...A, addr: 0xfee7c8a0, len: 1 },
    ]);
  });

  it('accepts both forms in one input, uses --pid and --cpu, and is independent of chunking', async () => {
    const text = '2 8049b00\nr 1000 4\n1 2000\n';
    const whole = await run(text, { pid: 9, cpu: 1 });
    expect(whole.records).toEqual([
      { kind: EventKind.access, cpu: 1, pid: 9, op: AccessOp.ifetch, addr: 0x8049b00, len: 4 },
      { kind: EventKind.access, cpu: 1, pid: 9, addr: 0x1000, len: 4 },
      { kind: EventKind.access, cpu: 1, pid: 9, op: AccessOp.store, addr: 0x2000, len: 4 },
    ]);
    for (const chunk of [1, 3, 5]) expect((await run(text, { pid: 9, cpu: 1 }, false, chunk)).records).toEqual(whole.records);
  });

  it('names file:line and what was expected for malformed lines', async () => {
    await expect(run('0 1000\n7 1000\n')).rejects.toThrow(
      `in.din:2: bad din line "7 1000" (expected 'LABEL ADDRESS' with LABEL 0..5, or 'r|w|i|m|c|v ADDRESS SIZE')`,
    );
    await expect(run('r zz 4\n')).rejects.toThrow(`in.din:1: bad address in din line "r zz 4" (expected hex digits, optional 0x)`);
    await expect(run('w 1000\n')).rejects.toThrow(`in.din:1: bad size in extended din line "w 1000" (expected hex digits, optional 0x)`);
    await expect(run('r 1ffffffff 4\n')).rejects.toThrow(
      'in.din:1: address 0x1ffffffff does not fit in 32 bits (expected a 32-bit user address: ' +
        'use --relocate auto, or --relocate stack=0x40000000 for the stack of a 32-bit program)',
    );
  });

  it('with skipBad counts bad lines and keeps the first message', async () => {
    const { stats } = await run('0 1000\nxyz\n9 1\nr 10 1\n', { skipBad: true });
    expect(stats).toEqual({
      lines: 4,
      records: 2,
      badLines: 2,
      firstBad: `in.din:2: bad din line "xyz" (expected 'LABEL ADDRESS' with LABEL 0..5, or 'r|w|i|m|c|v ADDRESS SIZE')`,
    });
  });

  it('reads Dinero 8-byte binary records, with din detecting binary input by its NUL bytes', async () => {
    const bytes = binary([
      [0x08049b00, 2, 2],
      [0xfee7c8a0, 4, 0],
      [0x1000, 8, 1],
      [0x2000, 1, 4], // copy-back: skipped
    ]);
    const expected = [
      { ...A, op: AccessOp.ifetch, addr: 0x08049b00, len: 2 },
      { ...A, addr: 0xfee7c8a0, len: 4 },
      { ...A, op: AccessOp.store, addr: 0x1000, len: 8 },
    ];
    const explicit = await run(bytes, {}, true, 5);
    expect(explicit.records).toEqual(expected);
    expect(explicit.stats).toEqual({ lines: 4, records: 3, badLines: 0 });
    expect((await run(bytes, {}, false, 3)).records).toEqual(expected);
  });

  it('names the byte offset of a bad binary record and of a partial last record', async () => {
    const bytes = binary([
      [0x1000, 4, 0],
      [0x2000, 4, 9],
    ]);
    await expect(run(bytes, {}, true)).rejects.toThrow(
      'in.din at byte 8: din binary record has access type 9 (expected 0 read, 1 write, 2 ifetch, 3 misc, 4 copy-back or 5 invalidate)',
    );
    await expect(run(bytes.subarray(0, 13), {}, true)).rejects.toThrow(
      'in.din at byte 8: din binary input ends with a partial record of 5 bytes (expected 8-byte records)',
    );
  });

  it('the registry lists lackey, din and din-binary and rejects unknown formats listing them', () => {
    expect([...IMPORTERS.keys()]).toEqual(expect.arrayContaining(['lackey', 'din', 'din-binary']));
    expect(getImporter('din')).toBe(dinImporter);
    expect(() => getImporter('pin')).toThrow(/^import: unknown format 'pin' \(expected one of: lackey, din, din-binary.*\)$/);
  });
});
