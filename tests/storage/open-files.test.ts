/**
 * An open file's inode is in use, off the inode LRU (slab.ts openFile): under HIGHMEM the dcache/icache
 * shrinker that runs with reclaim drops idle inodes with their page cache (the inode steal of
 * docs/machine.md), but never one a process holds open (inode_lru_isolate skips a referenced inode).
 * Two hot files, A and B, are read twice (activated, so the LRU keeps them against a stream); a cold file
 * streams through a cache less than half its size; then A and B are read once more. A is held open by
 * an openat record naming it (as a database backend holds its table file), or mapped; B is not held.
 */
import { describe, expect, it } from 'vitest';
import { EventKind, ProtBits, type TraceRecord } from '../../src/trace/records.ts';
import { runRecords } from '../machine/helpers.ts';
import { rw, scattered, storageModel } from './helpers.ts';

const HOT = 1024; // pages of each hot file (A = file 3, B = file 5)
const COLD = 65536; // pages of file 4: 256 MiB, over twice the whole cache (~30,000 pages)
const NR_OPENAT = 295;
const NR_CLOSE = 6;
/** Where A's page is mapped (well away from the read buffer). */
const MAP_AT = 0x20000000;

/** How A is held: open (an openat record naming it), or mapped (one page of it mmapped), or not at all. */
type Hold = 'open' | 'map' | 'inherited' | 'none';

function trace(hold: Hold, release = false): TraceRecord[] {
  const out: TraceRecord[] = [];
  const read = (file: number, pages: readonly number[]) => {
    for (const p of pages) out.push(...rw('read', file, p * 4096, 4096));
  };
  if (hold === 'open' || hold === 'inherited') out.push({ kind: EventKind.syscall, cpu: 0, pid: 1, arg: NR_OPENAT, addr: 3 });
  if (hold === 'inherited') {
    out.push({ kind: EventKind.fork, cpu: 0, pid: 1, arg: 2 });
    out.push({ kind: EventKind.syscall, cpu: 0, pid: 1, arg: NR_CLOSE, addr: 3 });
  }
  if (hold === 'map') out.push({ kind: EventKind.mmap, cpu: 0, pid: 1, addr: MAP_AT, len: 4096, op: ProtBits.read, arg: 3, off: 0 });
  for (let k = 0; k < 2; k++) {
    read(3, scattered(HOT));
    read(5, scattered(HOT));
  }
  if (release && hold === 'open') out.push({ kind: EventKind.syscall, cpu: 0, pid: 1, arg: NR_CLOSE, addr: 3 });
  if (release && hold === 'map') out.push({ kind: EventKind.munmap, cpu: 0, pid: 1, addr: MAP_AT, len: 4096 });
  for (let off = 0; off < COLD * 4096; off += 65536) out.push(...rw('read', 4, off, 65536));
  read(3, scattered(HOT));
  read(5, scattered(HOT));
  return out;
}

describe('an open file under HIGHMEM reclaim', () => {
  it('keeps its page cache while an idle file loses it to the inode steal', async () => {
    const model = await storageModel(['io.device=sata-ssd']);
    const run = async (records: TraceRecord[]) =>
      (await runRecords(records, { config: '3g1g-highmem', ram: '128M', vmalloc: '960M' }, { model })).result;
    // The last pass alone: the same trace without it, subtracted.
    const last = async (hold: Hold, release = false) => {
      const all = trace(hold, release);
      const before = (await run(all.slice(0, all.length - 4 * HOT))).counts.pagecache;
      const after = await run(all);
      return { hits: after.counts.pagecache.hits - before.hits, misses: after.counts.pagecache.misses - before.misses };
    };
    // A held open, or mapped (vma->vm_file): every page of A hits, every page of B (stolen with its idle
    // inode) misses.
    expect(await last('open')).toEqual({ hits: HOT, misses: HOT });
    expect(await last('map')).toEqual({ hits: HOT, misses: HOT });
    // Neither held (or A closed, or unmapped, before the stream): both were stolen, both miss.
    expect(await last('none')).toEqual({ hits: 0, misses: 2 * HOT });
    expect(await last('open', true)).toEqual({ hits: 0, misses: 2 * HOT });
    expect(await last('map', true)).toEqual({ hits: 0, misses: 2 * HOT });
    // Opened by a parent that forks a child and then closes it (the child keeps its copy of the
    // descriptor, and with it the inode in use): every page of A still hits.
    expect(await last('inherited')).toEqual({ hits: HOT, misses: HOT });
  }, 300_000);
});
