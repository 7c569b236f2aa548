/**
 * The acceptance case of kernel memory in lowmem: a generated pre-forking file server (Apache prefork,
 * smbd: workers fork from a master that mapped its program and 100 shared libraries, and do not exec) —
 * 32,000 workers forked 40 at a time between requests (pid_max is 32,768), 4,000 requests of one page
 * each from 100,000 files (scaled down below) — on a 4 GB box (debian-6.1-686, HIGHPTE, one CPU so that every record runs in
 * trace order). Under 3g1g-highmem its kernel objects outgrow lowmem: kswapd shrinks the dcache/icache
 * (dropping the files' highmem page cache with their inodes), then a lowmem-only allocation fails with
 * gigabytes of highmem free — a lowmem OOM. Under 2g2g the same trace fits.
 *
 * First principles (src/machine/slab.ts, mm-lifecycle.ts, memory.ts):
 * - Per process: task_struct, pid, cred, files_struct, signal_struct, sighand_struct, mm_struct (one
 *   object each), a PGD page and a 2-page kernel stack; VMAs: the master's 103 mmaps (program, 100
 *   libraries, buffer, stack) + the 3 its exec made, 106 in all, copied by every fork. A request opens
 *   its file (a struct file) and closes it (freed) before the next: on one CPU at most one is open, and
 *   none while the master forks. A file read or mapped gets a dentry and an ext4 inode. PTE
 *   pages and user pages are highmem (HIGHPTE).
 * - Slab pages of a cache holding n objects: ceil(n / objperslab) × pagesperslab (ideal packing); a
 *   cache emptied by reclaim keeps min_partial = 5 empty slabs.
 * - A kernel allocation may take lowmem down to each zone's min watermark, DMA keeping besides its
 *   lowmem_reserve for Normal's requests (Normal managed / 256): U pages in all.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/random/rng.ts';
import type { RunResult } from '../../src/result/run-result.ts';
import { GenEmitter } from '../../src/trace/generators/emitter.ts';
import { parseParams } from '../../src/trace/generators/params.ts';
import { GENERATORS } from '../../src/trace/generators/registry.ts';
import { EventKind, type TraceRecord } from '../../src/trace/records.ts';
import { kernelObjectsOf } from '../../src/machine/machine.ts';
import { modelOf, runRecords } from './helpers.ts';
import { computeCapacity } from '../../src/layout/capacity.ts';
import { computeLayout } from '../../src/layout/compute.ts';
import { resolveConfig } from '../../src/layout/configs.ts';

const MiB = 2 ** 20;

/**
 * `npm test` runs the case scaled down: the same box booted with vmalloc=700M (lowmem 295 MB under
 * 3G/1G, 1319 MB under 2G/2G) and 12,000 workers; `npm run test:lowmem` (HMSIM_LOWMEM_FULL=1) runs it
 * at full size on the default 4 GB layout (over a minute of CPU and ~1 GB of memory per replay).
 */
const FULL = process.env['HMSIM_LOWMEM_FULL'] === '1';
const WORKERS = FULL ? 32000 : 12000;
const REQUESTS = FULL ? 4000 : 1500;
const BOX = FULL ? { kernel: 'debian-6.1-686', ram: '4G' } : { kernel: 'debian-6.1-686', ram: '4G', vmalloc: '700M' };
const VMAS = 106;
const LIBS = 100;
const PARAMS = [
  `processes=${WORKERS}`,
  'exec=0',
  `libs=${LIBS}`,
  'spawn=40',
  'cpus=1',
  'files=100000',
  'fileset=400M',
  'request=4K',
  `requests=${REQUESTS}`,
  'touch=0',
  'compute=0',
  'slice=1',
  'zipf=0',
];

function fileserver(): TraceRecord[] {
  const gen = GENERATORS.get('fileserver')!;
  const p = parseParams('fileserver', gen.params, PARAMS);
  const out: TraceRecord[] = [];
  gen.run(p, createRng(1), new GenEmitter({ push: (r) => void out.push(r), close: async () => undefined }, 1, 0));
  return out;
}

// The slabs SLUB makes on the replayed box: each cache's object size from the 6.1 686 build's slabinfo,
// packed for the run's CPUs (slab-geometry.test.ts checks the packing against real boots).
const SLAB = kernelObjectsOf(resolveConfig({ config: '2g2g', ...BOX })).slab;
const TASK = ['task_struct', 'pid', 'cred_jar', 'files_cache', 'signal_cache', 'sighand_cache', 'mm_struct'] as const;
type Cache = keyof typeof SLAB;
const slabPages = (c: Cache, n: number): number => Math.ceil(n / SLAB[c].perSlab) * SLAB[c].pagesPerSlab;

/** U: lowmem pages a kernel allocation may take in all (see the header). */
function usable(r: RunResult): number {
  const z = (name: string) => r.memory.zones.find((x) => x.name === name)!;
  const [dma, normal] = [z('DMA'), z('Normal')];
  return normal.managedPages - normal.watermarks.min + dma.managedPages - dma.watermarks.min - Math.floor(normal.managedPages / 256);
}

describe('lowmem OOM: a many-process, many-file server on a 4 GB box', () => {
  const recs = fileserver();
  const reads = recs.filter((r) => r.kind === EventKind.read);
  const files = new Set(reads.map((r) => r.arg)).size;
  // Each configuration replays once; the capacity test reads the same results.
  const runs = new Map<string, Promise<RunResult>>();
  const run = (config: string): Promise<RunResult> => {
    if (!runs.has(config)) {
      runs.set(
        config,
        modelOf().then(async (model) => (await runRecords(recs, { config, ...BOX }, { model, chunk: 1024, yieldEvery: 4 })).result),
      );
    }
    return runs.get(config)!;
  };

  it('2g2g holds it all: exact slab and lowmem figures, no reclaim', async () => {
    const result = await run('2g2g');
    expect(result.feasible).toBe(true);
    expect(result.counts.lowmem).toEqual({
      kswapdWakes: 0,
      kswapdPages: 0,
      directReclaims: 0,
      directPages: 0,
      slabShrunk: 0,
      inodeSteal: 0,
      oom: 0,
    });
    const peak: Record<string, number> = {
      ...Object.fromEntries(TASK.map((c) => [c, WORKERS + 1])),
      vm_area_struct: VMAS * (WORKERS + 1),
      filp: 1, // one request at a time on one CPU, its file open from its openat to its close
      dentry: files + 1 + LIBS, // and the program's and the libraries' files
      ext4_inode_cache: files + 1 + LIBS,
    };
    for (const [c, n] of Object.entries(peak)) expect(result.memory.slab[c]!.peakObjects).toBe(n);
    // Nothing is freed before the workers exit at the end: the fewest free Normal pages are the managed
    // ones less every slab at its peak and 3 pages (PGD + stack) per process; DMA is never needed.
    const pages = Object.entries(peak).reduce((n, [c, k]) => n + slabPages(c as Cache, k), 0) + 3 * (WORKERS + 1);
    const normal = result.memory.zones.find((z) => z.name === 'Normal')!;
    expect(normal.minFreePages).toBe(normal.managedPages - pages);
    expect(result.memory.zones.find((z) => z.name === 'DMA')!.minFreePages).toBe(
      result.memory.zones.find((z) => z.name === 'DMA')!.managedPages,
    );
  }, 300_000);

  it('3g1g-highmem: kswapd shrinks the dcache and icache, then a lowmem OOM with 1.5 GB of highmem free', async () => {
    const result = await run('3g1g-highmem');
    const low = result.counts.lowmem;
    expect(result.feasible).toBe(false);
    expect(low.oom).toBe(1);
    // Reclaim came first: kswapd woke, freed dentries and inodes, and their inodes' page cache with them.
    expect(low.kswapdWakes).toBeGreaterThan(0);
    expect(low.slabShrunk).toBeGreaterThan(0);
    expect(low.inodeSteal).toBeGreaterThan(0);

    // Where it must stop: walk the allocations in trace order with every request file's dentry and inode
    // shrunk (clean, idle files: all reclaimable; their caches keep 5 empty slabs), the program's and the
    // libraries' kept (every process maps them: their inodes are in use), until one does not fit in U.
    const U = usable(result);
    const objects: Record<string, number> = Object.fromEntries(TASK.map((c) => [c, 1]));
    objects['vm_area_struct'] = VMAS;
    objects['filp'] = 0;
    objects['dentry'] = 1 + LIBS;
    objects['ext4_inode_cache'] = 1 + LIBS;
    // Page-table pages (a PGD each, non-PAE) and kernel stacks (2 pages each) of the live mms: the master's.
    let pgds = 1;
    let stacks = 1;
    const kept = 5 * SLAB.dentry.pagesPerSlab + 5 * SLAB.ext4_inode_cache.pagesPerSlab;
    // The filp cache's one slab stays, empty, from the first request on (fewer than min_partial = 5 empty
    // slabs are never given back); the first request comes after the first 40 forks.
    let w = 0;
    const filpKept = (): number => (w >= 40 ? SLAB.filp.pagesPerSlab : 0);
    const used = (): number =>
      Object.entries(objects).reduce((n, [c, k]) => n + slabPages(c as Cache, k), 0) + pgds + 2 * stacks + kept + filpKept();
    let failed = '';
    let usedBefore = 0;
    const step = (what: string, change: () => void): boolean => {
      const before = used();
      change();
      if (used() <= U) return true;
      failed = what;
      usedBefore = before;
      return false;
    };
    const vma = (pid: number) => () => step(`vm_area_struct slab (1 page) for a VMA of pid ${pid}`, () => objects['vm_area_struct']!++);
    // fork: the child's task objects, PGD, stack, the 3 VMAs of a new mm, then the parent's 103 copied.
    const fork = (pid: number): boolean =>
      TASK.every((c) =>
        step(`${c} slab (${SLAB[c].pagesPerSlab} page${SLAB[c].pagesPerSlab > 1 ? 's' : ''}) for pid ${pid}`, () => objects[c]!++),
      ) &&
      step(`page-table page (PGD/PMD) of pid ${pid}`, () => pgds++) &&
      step(`kernel stack of pid ${pid}`, () => stacks++) &&
      Array.from({ length: VMAS }, () => vma(pid)).every((f) => f());
    // A request between each 40 forks opens and closes its file: no struct file is left when the master forks.
    for (; w < WORKERS; w++) if (!fork(100 + w)) break;
    expect(w).toBeLessThan(WORKERS);
    expect(result.memory.oom!.allocation).toBe(failed);
    expect(result.infeasible).toEqual([
      `lowmem OOM: ${failed}: no lowmem above the min watermark after ` +
        `reclaim, at ${result.memory.oom!.atSeconds.toPrecision(4)} s on CPU 0, ` +
        `with ${result.memory.highmemFreePages} highmem pages ` +
        `(${Math.floor(result.memory.highmemFreePages / 256)} MB) free (replay stopped there)`,
    ]);
    // Live tasks: the master and the workers forked before, and the failing child unless it was its task_struct that failed.
    expect(result.memory.slab['task_struct']!.objects).toBe(failed.startsWith('task_struct') ? w + 1 : w + 2);
    expect(result.memory.slab['dentry']!.objects).toBe(1 + LIBS);
    // Lowmem ends at the min watermarks (+ DMA's reserve), plus the pages of the failed slab that were
    // taken before the last one failed and are given back; highmem has over 1.5 GB free.
    const lowManaged = result.memory.zones.filter((z) => z.name !== 'HighMem').reduce((n, z) => n + z.managedPages, 0);
    expect(result.memory.lowmemFreePages).toBe(lowManaged - U + (U - usedBefore));
    expect(result.memory.oom!.highmemFreePages).toBe(result.memory.highmemFreePages);
    expect(result.memory.highmemFreePages / 256).toBeGreaterThan(1536);
  }, 300_000);

  it('capacity predicts the same limit: within 5 % of the processes alive at the OOM, and 2g2g bound by pid_max only', async () => {
    // The same processes: one thread, 106 VMAs, no open file (each request closes its file), a stack
    // page and its PTE page in highmem.
    const w = { procs: WORKERS + 1, threads: 1, rssBytes: 4096, vmBytes: 4 * MiB, vmas: VMAS, openFiles: 0 };
    const high = computeCapacity(computeLayout(resolveConfig({ config: '3g1g-highmem', ...BOX })), w);
    const oom = await run('3g1g-highmem');
    const alive = oom.memory.slab['task_struct']!.objects;
    expect(high.limitedBy).toBe('lowmem');
    expect(high.fits).toBe(false);
    expect(Math.abs(high.maxProcs / alive - 1)).toBeLessThan(0.05);
    const two = computeCapacity(computeLayout(resolveConfig({ config: '2g2g', ...BOX })), w);
    expect(two.fits).toBe(true);
    expect((await run('2g2g')).feasible).toBe(true);
  }, 300_000);
});
