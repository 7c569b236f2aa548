/**
 * The lowmem budget of a configuration as the replay accounts it, for planning without a trace
 * (`hmsim capacity`, src/layout/capacity.ts): the same boot (mem_map and the boot reserve), the same
 * watermarks and lowmem_reserve (memory.ts), the same slab geometry and per-process objects (slab.ts,
 * mm-lifecycle.ts). A replay of N identical processes and the budget agree on how many fit
 * (tests/machine/lowmem-oom.test.ts).
 */
import type { KernelObjects, SlabCacheName, SlabGeometry } from '../layout/facts.ts';
import type { Layout, MachineConfig } from '../layout/types.ts';
import { PAGE_SIZE } from '../units/address.ts';
import { BOOT_RESERVED_LOWMEM_PAGES, Gfp, PageUse, PhysicalMemory, Wmark } from './memory.ts';
import { kernelObjectsOf } from './machine.ts';

const GiB = 2 ** 30;

/** Memory at the end of boot: mem_map and the kernel's boot reserve taken, watermarks set. */
export function bootMemory(config: MachineConfig, layout: Layout): { mem: PhysicalMemory; minFreeKbytes: number; objects: KernelObjects } {
  const mem = new PhysicalMemory(layout);
  mem.reserveBoot(Math.ceil(layout.memMapBytes / PAGE_SIZE), PageUse.memMap);
  mem.reserveBoot(BOOT_RESERVED_LOWMEM_PAGES, PageUse.kernel);
  const objects = kernelObjectsOf(config);
  const pae = config.pae || config.split === 'x86_64';
  // pageblock_order = HUGETLB_PAGE_ORDER: 4 MiB pages non-PAE (order 10), 2 MiB with PAE and on x86_64 (order 9).
  const minFreeKbytes = mem.setWatermarks({
    minFreeKbytesMax: objects.minFreeKbytesMax,
    thp: objects.thp,
    pageblockPages: pae ? 512 : 1024,
  });
  return { mem, minFreeKbytes, objects };
}

/** Upper page-table pages of a new mm (mm-lifecycle.ts): PGD (2 under PTI), PAE user PMDs, x86_64 PUD+PMD. */
export function upperPageTablePages(config: MachineConfig, layout: Layout): number {
  if (config.split === 'x86_64') return 3;
  const pgd = config.pti ? 2 : 1;
  return config.pae ? pgd + Math.ceil(Math.min(layout.taskSize, 2 ** 32) / GiB) : pgd;
}

/** Kernel-stack pages of a thread: THREAD_SIZE 8 KiB on 32-bit, 16 KiB on x86_64. */
export function stackPages(config: MachineConfig): number {
  return config.split === 'x86_64' ? 4 : 2;
}

/** One process's kernel objects: threads, VMAs, open files, TCP sockets and what they queue. */
export interface ProcessShape {
  readonly threads: number;
  readonly vmas: number;
  readonly openFiles: number;
  /** Open TCP sockets (0 when not given). */
  readonly sockets?: number;
  /** Bytes queued in each socket's send and receive buffers (0 when not given). */
  readonly socketBufferBytes?: number;
  /** Page-table pages in lowmem per process besides the upper ones (PTE pages without HIGHPTE). */
  readonly ptePagesLowmem: number;
}

/** Objects of each slab cache one process holds (a thread shares mm, files, signal, sighand and cred). */
export function objectsPerProcess(p: ProcessShape): Partial<Record<SlabCacheName, number>> {
  const sockets = socketObjects(p.sockets ?? 0, p.socketBufferBytes ?? 0);
  return {
    task_struct: p.threads,
    pid: p.threads,
    cred_jar: 1,
    files_cache: 1,
    signal_cache: 1,
    sighand_cache: 1,
    mm_struct: 1,
    vm_area_struct: p.vmas,
    ...sockets,
    filp: p.openFiles + sockets.filp,
  };
}

/**
 * The slab objects of `sockets` TCP sockets with `bufferBytes` queued each. A socket is a file too: its
 * struct file and sockfs dentry (sock_alloc_file → alloc_file_pseudo), its socket + inode
 * (sock_inode_cache) and its protocol sock (TCP: struct tcp_sock); every queued MSS segment is one
 * sk_buff (skbuff_head_cache).
 */
export function socketObjects(sockets: number, bufferBytes: number) {
  return {
    filp: sockets,
    dentry: sockets,
    sock_inode_cache: sockets,
    TCP: sockets,
    skbuff_head_cache: sockets * Math.ceil(bufferBytes / TCP_MSS),
  } as const satisfies Partial<Record<SlabCacheName, number>>;
}

/** Pages of the slabs that hold `n` objects of a cache (ceil(n / objperslab) × pagesperslab). */
export function slabPagesFor(g: SlabGeometry, n: number): number {
  return Math.ceil(n / g.perSlab) * g.pagesPerSlab;
}

/** TCP's maximum segment on Ethernet: MTU 1500 − 20 IP − 20 TCP − 12 timestamp option (RFC 7323) bytes. */
const TCP_MSS = 1448;

/**
 * Pages of data one socket holds for `bytes` queued: payload lives in kernel pages, never highmem — sends in
 * page fragments of sk->sk_allocation = GFP_KERNEL (net/core/sock.c sk_page_frag_refill), receives in the
 * driver's GFP_ATOMIC fragments (net/core/skbuff.c napi_alloc_frag).
 */
export function socketBufferPages(bytes: number): number {
  return Math.ceil(bytes / PAGE_SIZE);
}

/**
 * Lowmem pages `n` such processes hold: each cache's slabs packed as the replay packs them
 * (ceil(objects / objperslab) × pagesperslab), plus per process its kernel stacks, upper page tables
 * and lowmem PTE pages. (Queued socket data is capped by tcp_mem across all sockets: capacity adds it.)
 */
export function lowmemPagesOf(objects: KernelObjects, config: MachineConfig, layout: Layout, p: ProcessShape, n: number): number {
  let pages = 0;
  for (const [cache, k] of Object.entries(objectsPerProcess(p)) as [SlabCacheName, number][])
    pages += slabPagesFor(objects.slab[cache], n * k);
  return pages + n * (p.threads * stackPages(config) + upperPageTablePages(config, layout) + p.ptePagesLowmem);
}

/** Lowmem pages a kernel allocation may take after boot: every lowmem zone down to its min watermark and its lowmem_reserve. */
export function kernelUsablePages(mem: PhysicalMemory): number {
  return mem.headroom(Gfp.kernel, Wmark.min);
}
