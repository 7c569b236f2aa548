/**
 * Close-on-exec in a real strace log (tests/fixtures/strace/cloexec.log, recorded on this machine from
 * cloexec.c beside it): a process opens a.txt with O_CLOEXEC, b.txt plainly (and dup's it, then closes
 * the dup), c.txt and d.txt plainly and makes them close-on-exec with fcntl F_SETFD and ioctl FIOCLEX;
 * reads each; forks; the child execs /bin/sleep; the parent waits, then closes all four.
 *
 * The kernel closes a, c and d in the child's execve (do_close_on_exec) and keeps b. The importer writes
 * those three closes as close records flagged SyscallFlags.kernel (HMT 2.2, `observed: ["execCloses"]`),
 * so the replay releases the child's inherited references there without charging a kernel entry; the
 * close of b's dup names no file (b's open file stays open through its first descriptor).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runImport } from '../../src/cli/import.ts';
import { openTraceWriter } from '../../src/trace/hmt/writer.ts';
import { openTrace, readAllRecords } from '../../src/trace/hmt/reader.ts';
import { straceImporter } from '../../src/trace/importers/strace.ts';
import { EventKind, OBSERVED_EXEC_CLOSES, SyscallFlags, type TraceRecord } from '../../src/trace/records.ts';
import { parseRelocation, Relocator } from '../../src/trace/relocate.ts';
import { ROOT } from '../helpers/cli.ts';
import { runRecords } from '../machine/helpers.ts';
import { bin, concatBytes, frame, headerMap, tempDir } from './hmt-helpers.ts';
import { chunkCrcStart, crcColumnWidth } from '../../src/trace/hmt/checksum.ts';
import { importToMemory } from './strace-helpers.ts';

const LOG = 'tests/fixtures/strace/cloexec.log';
const tmp = tempDir();
afterAll(tmp.cleanup);
const NR_CLOSE = 6;
const PARENT = 11766;
const CHILD = 11767;

const text = readFileSync(`${ROOT}${LOG}`, 'utf8');
/** File ids as the importer gives them: 1, 2, … to each page-cache path in the order of its first open. */
const ids = new Map<string, number>();
for (const m of text.matchAll(/openat\(AT_FDCWD, "([^"]+)", [^)]*\) = \d+/g)) {
  if (!/^\/(dev|proc|sys)\//.test(m[1]!) && !ids.has(m[1]!)) ids.set(m[1]!, ids.size + 1);
}
const idOf = (name: string): number => ids.get(`/data/${name}.txt`)!;
const [A, B, C, D] = [idOf('a'), idOf('b'), idOf('c'), idOf('d')] as const;

/**
 * The log imported on one CPU, so that a replay follows the log's order. (On two CPUs the child's CPU
 * starts its clock at 0, and the replay may run the child's first records before the parent's fork
 * record on the other CPU: the replay orders CPUs by their clocks, not by the trace's timestamps.)
 */
async function imported(): Promise<TraceRecord[]> {
  const mapAddress = new Relocator(parseRelocation('auto')).addressMapper();
  return (await importToMemory(straceImporter, { file: LOG }, { cpus: 1, mapAddress })).records;
}
const isKernelClose = (r: TraceRecord): boolean => r.kind === EventKind.syscall && r.op === SyscallFlags.kernel;

describe('strace import: close-on-exec', () => {
  it("closes the child's close-on-exec files right after its exec, flagged as made by the kernel", async () => {
    const recs = await imported();
    expect([A, B, C, D]).toEqual([3, 4, 5, 6]); // after /etc/ld.so.cache and libc.so.6
    const exec = recs.findIndex((r) => r.kind === EventKind.exec && r.pid === CHILD);
    // a (fd 3), c (fd 6), d (fd 7), in descriptor order; b (fd 4) stays open.
    const kernel = recs.filter(isKernelClose);
    expect(kernel.map((r) => [r.pid, r.arg, r.addr])).toEqual([
      [CHILD, NR_CLOSE, A],
      [CHILD, NR_CLOSE, C],
      [CHILD, NR_CLOSE, D],
    ]);
    expect(recs.slice(exec + 1, exec + 4)).toEqual(kernel);
    // Every other syscall record is one call of the log: complete lines, not resumed halves, signals, exits.
    const calls = text.split('\n').filter((l) => l !== '' && !/<\.\.\. \w+ resumed>|--- SIG|\+\+\+ exited/.test(l)).length;
    expect(recs.filter((r) => r.kind === EventKind.syscall && !isKernelClose(r))).toHaveLength(calls);
    // close(5), the dup of b, names no file; the parent's closes of its four files after the wait do.
    const closes = recs.filter(
      (r) => r.kind === EventKind.syscall && r.arg === NR_CLOSE && r.pid === PARENT && r.op !== SyscallFlags.kernel,
    );
    expect(closes.map((r) => r.addr ?? 0)).toEqual([
      ids.get('/etc/ld.so.cache'),
      ids.get('/lib/x86_64-linux-gnu/libc.so.6'),
      0,
      A,
      B,
      C,
      D,
    ]);
  });

  it('the replay holds each file from the open to the last close, the child only its inherited b after its exec', async () => {
    const recs = await imported();
    const header = { observed: [OBSERVED_EXEC_CLOSES] };
    const refsAt = async (n: number) => {
      const { machine } = await runRecords(recs.slice(0, n), { config: '3g1g-highmem' }, { header });
      // The struct files: the parent's four opens made one each, which the child shares (fork copies
      // descriptors, not files); the loader's opens were closed, and every read went through an open file.
      expect(machine.slab.report()['filp']!.objects).toBe(4);
      return [A, B, C, D].map((f) => machine.slab.references(f));
    };
    const exec = recs.findIndex((r) => r.kind === EventKind.exec && r.pid === CHILD);
    const childExit = recs.findIndex((r) => r.kind === EventKind.exit && r.pid === CHILD);
    // The parent's four opens; the fork copies its descriptor table (each file now held by both).
    expect(await refsAt(exec)).toEqual([2, 2, 2, 2]);
    // The exec closes a, c and d in the child: the parent's references remain, and the child's b.
    expect(await refsAt(exec + 4)).toEqual([1, 2, 1, 1]);
    // The child's exit releases b; the parent's four closes release the rest.
    expect(await refsAt(childExit + 1)).toEqual([1, 1, 1, 1]);
    const all = await runRecords(recs, { config: '3g1g-highmem' }, { header });
    expect([A, B, C, D].map((f) => all.machine.slab.references(f))).toEqual([0, 0, 0, 0]);
    // At most the four shared files and the one the child's loader has open at a time (ld.so.cache, libc).
    expect(all.result.memory.slab['filp']).toMatchObject({ objects: 0, peakObjects: 5 });
    // The three closes the kernel made cost no kernel entry: every other syscall record is one.
    const syscallRecords = recs.filter((r) => r.kind === EventKind.syscall).length;
    expect(all.result.counts.syscalls).toBe(syscallRecords - 3);
  });

  it('writes HMT 2.2 declaring execCloses, which reads back with the flagged closes', async () => {
    const out = join(tmp.dir, 'cloexec.hmt');
    const stats = await runImport('strace', `${ROOT}${LOG}`, { out, cpus: '2' });
    const t = await openTrace(out);
    expect(t.header).toMatchObject({ version: '2.2', observed: [OBSERVED_EXEC_CLOSES] });
    const back = await readAllRecords(out);
    expect(back).toHaveLength(stats.records);
    expect(back.filter(isKernelClose).map((r) => r.addr)).toEqual([A, C, D]);
  });

  it('writes op 0 or 1 of a syscall record in a trace that declares execCloses, any op in one that does not', async () => {
    const close = { kind: EventKind.syscall, cpu: 0, pid: 1, arg: NR_CLOSE, addr: 3 } as const;
    const declared = await openTraceWriter(join(tmp.dir, 'x.hmt'), { source: 'test', cpus: 1, observed: [OBSERVED_EXEC_CLOSES] });
    declared.push({ ...close, op: SyscallFlags.kernel });
    expect(() => declared.push({ ...close, op: 2 })).toThrow(
      'trace record 1: op 2 for a syscall record (expected 0, or 1: made by the kernel inside another call); ' +
        'not written (a trace reader would refuse it)',
    );
    await declared.abort();
    // Before 2.2 the op of a syscall record is not read: a 2.0 trace keeps any value, and a replay of it
    // charges the record as a call (tests/trace/hmt-roundtrip.test.ts writes such records).
    const plain = await openTraceWriter(join(tmp.dir, 'y.hmt'), { source: 'test', cpus: 1 });
    plain.push({ ...close, op: SyscallFlags.kernel });
    await plain.close();
    expect((await openTrace(join(tmp.dir, 'y.hmt'))).header.version).toBe('2.0');
    const { result } = await runRecords([{ ...close, op: SyscallFlags.kernel }], { config: '3g1g-highmem' });
    expect(result.counts.syscalls).toBe(1);
  });

  it('reads op of a syscall record from HMT 2.2 on, and execCloses only where 2.2 defines it', async () => {
    // A footer-less chunk of one close record (kind 3, op 1, arg 6) under a given header.
    const file = (name: string, over: Record<string, unknown>): string => {
      const cols: Array<[string, Uint8Array]> = [
        ['kind', Uint8Array.of(EventKind.syscall)],
        ['op', Uint8Array.of(SyscallFlags.kernel)],
        ['arg', Uint8Array.of(NR_CLOSE)],
      ];
      let crc = chunkCrcStart(0, 1);
      for (const [col, data] of cols) crc = crcColumnWidth(crc, col, 1, data);
      const p = join(tmp.dir, name);
      const chunk = frame(0x43, { cpu: 0, n: 1, cols: cols.map(([c]) => c), w: [1, 1, 1], crc });
      writeFileSync(p, concatBytes(frame(0x48, headerMap(over)), chunk, ...cols.map(([, d]) => bin(d))));
      return p;
    };
    const ok = file('ok.hmt', { version: [2, 2], observed: [OBSERVED_EXEC_CLOSES] });
    expect(await readAllRecords(ok)).toEqual([{ kind: EventKind.syscall, cpu: 0, op: SyscallFlags.kernel, arg: NR_CLOSE }]);
    const undeclared = file('undeclared.hmt', { version: [2, 2] });
    await expect(readAllRecords(undeclared)).rejects.toThrow(
      "record 0 of the chunk is a syscall with op 1 (expected 0..0 in HMT 2.2: op 1 needs observed ['execCloses'] in the header)",
    );
    // Before 2.2 the op of a syscall record is not read, and a 2.1 header's execCloses means nothing.
    const old = file('old.hmt', { version: [2, 1], observed: [OBSERVED_EXEC_CLOSES, 'tlbFlushes'] });
    expect(await readAllRecords(old)).toHaveLength(1);
    expect((await openTrace(old)).header.observed).toEqual(['tlbFlushes']);
  });
});
