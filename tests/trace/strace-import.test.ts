import { describe, expect, it } from 'vitest';
import { straceImporter } from '../../src/trace/importers/strace.ts';
import { EventKind, ProtBits } from '../../src/trace/records.ts';
import { parseRelocation, Relocator } from '../../src/trace/relocate.ts';
import { importToMemory, byKind } from './strace-helpers.ts';

const auto = (): Relocator => new Relocator(parseRelocation('auto'));

describe('strace importer on real logs (tests/fixtures/strace, README there)', () => {
  it('names the file an open made and a close released in the syscall record (addr), and nothing for other descriptors', async () => {
    const { records } = await importToMemory(
      straceImporter,
      { file: 'tests/fixtures/strace/cat.log' },
      { mapAddress: auto().addressMapper() },
    );
    const calls = records.filter((r) => r.kind === EventKind.syscall);
    // cat.log: openat 257 → i386 295, close 6; the three files opened (ld.so.cache, libc, /data/in.txt)
    // are opened and closed on fd 3 each; close(1) and close(2) release descriptors cat did not open.
    const named = calls.filter((r) => (r.addr ?? 0) > 0).map((r) => [r.arg, r.addr]);
    const reads = records.filter((r) => r.kind === EventKind.read).map((r) => r.arg);
    const data = reads.at(-1)!; // the last read is of /data/in.txt
    expect(named).toHaveLength(6);
    expect(named.filter(([nr]) => nr === 295).map(([, f]) => f)).toEqual(named.filter(([nr]) => nr === 6).map(([, f]) => f));
    expect(named.slice(-2)).toEqual([
      [295, data],
      [6, data],
    ]);
    expect(calls.filter((r) => r.arg === 6)).toHaveLength(5);
  });

  it('turns cat of a file into one syscall per call, its mmaps and the page-cache reads', async () => {
    const { records, stats } = await importToMemory(
      straceImporter,
      { file: 'tests/fixtures/strace/cat.log' },
      { mapAddress: auto().addressMapper() },
    );
    // grep -c -v '+++' cat.log → 45 calls; 46 lines with the +++ exited line. Between two calls (44 gaps,
    // all > 0 µs here) the process computes; the exec touches 3 pages, the PROT_EXEC file mmap (grep -c
    // PROT_EXEC → 1) fetches its first page, the private writable file mmap (MAP_FIXED|MAP_DENYWRITE with
    // PROT_WRITE → 1) stores to it: 5 accesses.
    expect(stats).toMatchObject({ lines: 46, records: 67 + 44 + 5, badLines: 0 });
    expect(byKind(records)).toEqual({
      switch: 1,
      syscall: 45,
      exec: 1,
      mmap: 10,
      read: 4,
      mprotect: 3,
      munmap: 2,
      exit: 1,
      compute: 44,
      access: 5,
    });
    // The 27,019-byte file is read at offset 0; writes to the inherited stdout (/dev/null) are no page-cache copy.
    const dataRead = records.find((r) => r.kind === EventKind.read && r.len === 27019)!;
    expect(dataRead.off).toBe(0);
    expect(records.filter((r) => r.kind === EventKind.write)).toHaveLength(0);
    expect(records.every((r) => r.cpu === 0 && (r.pid === 10656 || r.kind === EventKind.switch))).toBe(true);
  });

  it('tracks the file offset of dd writes: 64 writes of 64 KiB at consecutive offsets of one file', async () => {
    const { records } = await importToMemory(
      straceImporter,
      { file: 'tests/fixtures/strace/dd.log' },
      { mapAddress: auto().addressMapper() },
    );
    const writes = records.filter((r) => r.kind === EventKind.write); // grep -c 'write(1,' dd.log → 64
    expect(writes).toHaveLength(64);
    expect(writes.map((w) => w.off)).toEqual(Array.from({ length: 64 }, (_, i) => i * 65536));
    expect(new Set(writes.map((w) => w.arg)).size).toBe(1);
    expect(writes.every((w) => w.len === 65536)).toBe(true);
  });

  it('uses the printed buffer pointer when strace ran with -e raw=read,...', async () => {
    const rel = auto();
    const { records } = await importToMemory(
      straceImporter,
      { file: 'tests/fixtures/strace/cat-raw.log' },
      { mapAddress: rel.addressMapper() },
    );
    // 10660 ... read(0x3, 0x7effcc9f3000, 0x20000) = 0x698b; the same granule maps to the same place afterwards.
    const r = records.find((x) => x.kind === EventKind.read && x.len === 0x698b)!;
    expect(r.addr).toBe(rel.map(0x7effcc9f3000, 0));
    expect(r.addr! % 0x100000).toBe(0xf3000);
    // Without -e raw the heap start stands in: cat.log's data read lands at its (relocated) brk(NULL) result (0x5635c73e2000).
    const plain = await importToMemory(straceImporter, { file: 'tests/fixtures/strace/cat.log' }, { mapAddress: auto().addressMapper() });
    const standIn = plain.records.find((x) => x.kind === EventKind.read && x.len === 27019)!;
    expect(standIn.addr! % 0x100000).toBe(0x5635c73e2000 % 0x100000);
  });

  it('joins unfinished/resumed halves and follows fork, exec, pipes and exits of a sh pipeline', async () => {
    const { records, stats } = await importToMemory(
      straceImporter,
      { file: 'tests/fixtures/strace/pipe.log' },
      { cpus: 2, mapAddress: auto().addressMapper() },
    );
    // 352 lines − 126 resumed halves − 4 '+++ exited' − 3 signals = 219 complete calls.
    expect(stats.lines).toBe(352);
    const k = byKind(records);
    expect(k).toMatchObject({ syscall: 219, fork: 3, exec: 4, exit: 4 });
    const forks = records.filter((r) => r.kind === EventKind.fork).map((r) => [r.pid, r.arg]);
    expect(forks).toEqual([
      [10664, 10665],
      [10664, 10666],
      [10664, 10667],
    ]);
    // cat → pipe (27,019 bytes), gzip reads them and writes 20,547 bytes into the second pipe, wc reads 16,384 + 4,163.
    const pipeWrites = records.filter((r) => r.kind === EventKind.write).map((r) => [r.pid, r.len, r.off]);
    expect(pipeWrites).toEqual([
      [10665, 27019, 0],
      [10666, 20547, 0],
    ]);
    const wcReads = records.filter((r) => r.kind === EventKind.read && r.pid === 10667 && r.len! > 1000).map((r) => [r.len, r.off]);
    expect(wcReads).toEqual([
      [16384, 0],
      [4163, 16384],
    ]);
    expect(new Set(records.map((r) => r.cpu))).toEqual(new Set([0, 1]));
  });

  it('records anonymous/shared mmap protection bits and brk growth as an anonymous mapping', async () => {
    const text = [
      '7 1.000000 brk(NULL) = 0x1000000',
      '7 1.000001 brk(0x1021000) = 0x1021000',
      '7 1.000002 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0) = 0x2000000',
      '7 1.000003 munmap(0x2000000, 8192) = 0',
    ].join('\n');
    const { records } = await importToMemory(straceImporter, { text });
    const mm = records.filter((r) => r.kind === EventKind.mmap);
    expect(mm.map((r) => [r.addr, r.len, r.op])).toEqual([
      [0x1000000, 0x21000, ProtBits.read | ProtBits.write],
      [0x2000000, 8192, ProtBits.read | ProtBits.write | ProtBits.shared],
    ]);
    expect(records.find((r) => r.kind === EventKind.munmap)).toMatchObject({ addr: 0x2000000, len: 8192 });
    expect(records.find((r) => r.kind === EventKind.mmap)!.time).toBe(1000);
  });
});

describe('strace importer: malformed input', () => {
  it('names file:line and what was expected', async () => {
    const text = '7 1.0 getpid() = 7\n7 1.1 this is not strace\n';
    await expect(importToMemory(straceImporter, { text, name: 'bad.log' })).rejects.toThrow(
      /^bad\.log:2: expected 'PID SECONDS\.MICROS name\(args\) = result'.*got '7 1\.1 this is not strace'$/,
    );
  });

  it('with skipBad counts bad lines, keeps the first message, and converts the rest', async () => {
    const text = '7 1.0 getpid() = 7\ngarbage\n7 1.2 read(3, <unfinished\n7 1.3 getppid() = 1\n';
    const { records, stats } = await importToMemory(straceImporter, { text, name: 'bad.log' }, { skipBad: true });
    expect(stats.badLines).toBe(2);
    expect(stats.firstBad).toMatch(/^bad\.log:2: expected/);
    // 0.3 s between the two good calls of pid 7 (1.0 → 1.3) is one compute record.
    expect(byKind(records)).toEqual({ switch: 1, syscall: 2, compute: 1 });
    expect(records.find((r) => r.kind === EventKind.compute)!.len).toBe(300_000_000);
  });

  it('refuses a 64-bit address without relocation, pointing at --relocate', async () => {
    const text = '7 1.0 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000001000\n';
    await expect(importToMemory(straceImporter, { text, name: 'x.log' })).rejects.toThrow(
      /^x\.log:1: user address 0x7f0000001000 does not fit 32 bits \(use --relocate auto/,
    );
  });

  it('reports a resumed half with no unfinished call', async () => {
    await expect(importToMemory(straceImporter, { text: '7 1.0 <... read resumed>"", 4) = 0\n', name: 'r.log' })).rejects.toThrow(
      /^r\.log:1: expected an earlier 'read\(\.\.\. <unfinished \.\.\.>' line of pid 7/,
    );
  });
});

describe('strace importer: cut logs', () => {
  it('ends a process that called exit_group even when its +++ exited line is missing', async () => {
    const text = '7 1.000000 getpid() = 7\n7 1.000002 exit_group(0) = ?\n';
    const { records } = await importToMemory(straceImporter, { text });
    expect(records.at(-1)).toEqual({ kind: EventKind.exit, cpu: 0, pid: 7, time: 2000 });
    expect(records.filter((r) => r.kind === EventKind.exit)).toHaveLength(1);
  });
});

describe('strace importer: line prefixes', () => {
  it('accepts [pid N] prefixes, -tt times and lines without pid or time', async () => {
    const text = [
      '[pid  42] 10:00:00.000001 getpid() = 42',
      '[pid  42] 10:00:00.000501 openat(AT_FDCWD, "/srv/a", O_RDONLY) = 3',
      '[pid  42] 10:00:00.001001 pread64(3, "x"..., 100, 4096) = 100',
    ].join('\n');
    const { records } = await importToMemory(straceImporter, { text });
    expect(records.at(-1)).toMatchObject({ kind: EventKind.read, pid: 42, len: 100, off: 4096, arg: 1, time: 1000000 });
    const plain = await importToMemory(straceImporter, { text: 'getuid() = 0\n' });
    expect(plain.records).toEqual([
      { kind: EventKind.switch, cpu: 0, pid: 1, time: 0 },
      { kind: EventKind.syscall, cpu: 0, pid: 1, arg: 24, time: 0 },
    ]);
  });
});
