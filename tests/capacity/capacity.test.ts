/**
 * Capacity arithmetic (src/layout/capacity.ts) checked against computeLayout and hand computations.
 */
import { describe, expect, it } from 'vitest';
import { computeCapacity, maxFitting, minFreeBytes, pageTableBytes } from '../../src/layout/capacity.ts';
import { computeLayout } from '../../src/layout/compute.ts';
import { resolveConfig, type ConfigOptions } from '../../src/layout/configs.ts';
import { runCli } from '../helpers/cli.ts';
import { runMain } from '../layout/in-process.ts';
import { bootMemory } from '../../src/machine/kernel-budget.ts';
import { kernelObjectsOf } from '../../src/machine/machine.ts';

const layout = (o: ConfigOptions) => computeLayout(resolveConfig(o));
const KiB = 1024;
const MiB = 2 ** 20;

/** Managed lowmem pages after boot and those a kernel allocation may take (down to the min watermarks and DMA's reserve). */
function budget(l: ReturnType<typeof layout>): { managed: number; usable: number } {
  const { mem } = bootMemory(l.config, l);
  const zones = mem.report();
  const z = (name: string) => zones.find((x) => x.name === name)!;
  const [dma, normal] = [z('DMA'), z('Normal')];
  return {
    managed: dma.managedPages + normal.managedPages,
    usable: normal.managedPages - normal.watermarks.min + dma.managedPages - dma.watermarks.min - Math.floor(normal.managedPages / 256),
  };
}

/** Slab pages of n processes of `threads` threads, `vmas` VMAs and `files` open files, packed per cache. */
function slabPages(l: ReturnType<typeof layout>, n: number, threads: number, vmas: number, files: number): number {
  const slab = kernelObjectsOf(l.config).slab;
  const per: Record<string, number> = {
    task_struct: threads,
    pid: threads,
    cred_jar: 1,
    files_cache: 1,
    signal_cache: 1,
    sighand_cache: 1,
    mm_struct: 1,
    vm_area_struct: vmas,
    filp: files,
  };
  return Object.entries(per).reduce(
    (p, [c, k]) => p + Math.ceil((n * k) / slab[c as keyof typeof slab].perSlab) * slab[c as keyof typeof slab].pagesPerSlab,
    0,
  );
}

/** The largest n with pages(n) <= usable, counting up. */
function largestFitting(pages: (n: number) => number, usable: number): number {
  let n = 0;
  while (pages(n + 1) <= usable) n++;
  return n;
}

describe('capacity', () => {
  it('agrees with computeLayout on lowmem, highmem, mem_map and unusable RAM', () => {
    for (const config of ['3g1g-highmem', '3g1g-nohighmem', '2g2g', '4g4g']) {
      const l = layout({ config, ram: '6G' });
      const c = computeCapacity(l, { procs: 10, threads: 1, rssBytes: MiB, vmBytes: 8 * MiB });
      expect([c.lowmemBytes, c.highmemBytes, c.memMapBytes, c.unusableRamBytes]).toEqual([
        l.lowmemBytes,
        l.highmemBytes,
        l.memMapBytes,
        l.ignoredRamBytes,
      ]);
      expect(c.userSpaceBytes).toBe(l.taskSize);
    }
  });

  it('x86_64: lowmem is the RAM (the direct map also spans the PCI hole, which is not memory); user space in TiB', async () => {
    // 4 GiB on a PC: 3 GiB below the hole, 1 GiB from 4 GiB up, so max_pfn covers 5 GiB of addresses.
    const l = layout({ config: 'x86_64' });
    expect(l.maxPfn * 4096).toBe(5 * 2 ** 30);
    expect(l.lowmemBytes).toBe(l.ram.usableBytes);
    const r = await runMain(['capacity', '--config', 'x86_64']);
    expect(r.stdout).toMatch(new RegExp(`^lowmem +${(l.ram.usableBytes / MiB).toFixed(2)}$`, 'm'));
    // TASK_SIZE_MAX = 2^47 - 4096: 128 TiB less a page, 64 MiB of it used by the process.
    expect(r.stdout).toContain('user address space per process: 128.0 TiB, 128.0 TiB left after the 64M span\n');
  });

  it("32-bit lowmem in MB agrees with the kernel's truncated LOWMEM line (875.99, not 876.0 against 875)", async () => {
    const l = layout({ config: '3g1g-highmem' });
    // max_low_pfn pages: 0x36bfe of them (lowmem 0xc0000000-0xf6bfe000).
    expect(l.lowmemBytes).toBe(0x36bfe000);
    expect(l.dmesg).toContain('875MB LOWMEM available.');
    const r = await runMain(['capacity', '--config', '3g1g-highmem']);
    expect(r.stdout).toMatch(/^lowmem +875\.99$/m);
  });

  it('the memory column adds up: what of the lowmem span is no RAM is subtracted (4G/4G spans the PCI hole)', async () => {
    // 3G/1G: page 0 and 0xA0000-0xFFFFF (the BIOS and VGA hole) are no RAM: 4 KiB + 384 KiB.
    const c3 = computeCapacity(layout({ config: '3g1g-highmem' }), { procs: 10, threads: 1, rssBytes: MiB, vmBytes: 8 * MiB });
    expect(c3.lowmemHoleBytes).toBe(388 * 1024);
    // 4G/4G on 4 GiB: lowmem 0x02000000-0xf8000000 spans 3936 MiB of addresses, RAM from 4 GiB up (1 GiB) is
    // highmem, so the RAM in lowmem is the usable RAM less 1 GiB and the rest of the span is hole.
    const l4 = layout({ config: '4g4g' });
    const c4 = computeCapacity(l4, { procs: 10, threads: 1, rssBytes: MiB, vmBytes: 8 * MiB });
    expect([c4.lowmemBytes, c4.highmemBytes]).toEqual([3936 * MiB, 1024 * MiB]);
    expect(c4.lowmemHoleBytes).toBe(3936 * MiB - (l4.ram.usableBytes - 1024 * MiB));
    for (const c of [c3, c4]) {
      expect(c.lowmemBytes - c.lowmemHoleBytes - c.memMapBytes - c.staticReservedBytes - c.minFreeBytes).toBe(c.availableLowmemBytes);
    }
    const text = (await runMain(['capacity', '--config', '4g4g'])).stdout;
    expect(text).toMatch(
      new RegExp(`^- no RAM inside lowmem \\(firmware holes, PCI hole\\) +${(c4.lowmemHoleBytes / MiB).toFixed(2)}$`, 'm'),
    );
    // x86_64's lowmem is its usable RAM: nothing to subtract, no row.
    expect((await runMain(['capacity', '--config', 'x86_64'])).stdout).not.toContain('no RAM inside lowmem');
  });

  it('hand-computed case: linux-2.6.18, 3G/1G HIGHMEM4G, 2 GiB, 400 processes of 8 MiB rss and 64 MiB VA', () => {
    const l = layout({ kernel: 'linux-2.6.18', config: '3g1g-highmem', ram: '2G' });
    const w = { procs: 400, threads: 1, rssBytes: 8 * MiB, vmBytes: 64 * MiB };
    const c = computeCapacity(l, w);
    // lowmem = 896 MiB less the e820 holes below 1 MiB (page 0 and 640 KiB–1 MiB: 97 pages); mem_map =
    // 524288 pages * 32 B = 16 MiB; the boot reserve 14256 KiB → 3564 pages
    const b = budget(l);
    expect(b.managed).toBe((896 * MiB - 16 * MiB) / 4096 - 97 - 3564);
    expect(c.staticReservedBytes).toBe(3564 * 4096);
    expect(c.availableLowmemBytes).toBe(b.usable * 4096);
    // per process: stack 2 pages, PGD 1, PTE pages 64M/4M + 2 = 18 (no HIGHPTE in 2.6.18), slab at its packing
    expect(c.perProcess.kernelStacks + c.perProcess.pageTablesLowmem).toBe((2 + 1 + 18) * 4096);
    // user pages 400 * 8 MiB = 3200 MiB > highmem 1152 MiB - the BIOS's top 128 KiB → the rest spills into lowmem
    expect(c.userInHighmemBytes).toBe(1152 * MiB - 128 * KiB);
    expect(c.userInLowmemBytes).toBe(2048 * MiB + 128 * KiB);
    expect(c.fits).toBe(false);
    // highmem runs out long before lowmem: the processes that fit are those whose spilled user pages and
    // kernel pages fit in the available lowmem
    const pages = (n: number) => slabPages(l, n, 1, 10, 1) + n * (2 + 1 + 18) + Math.ceil(Math.max(0, n * 8 * MiB - l.highmemBytes) / 4096);
    expect(c.maxProcs).toBe(largestFitting(pages, b.usable));
    expect(c.limitedBy).toBe('ram');
  });

  it('hand-computed case: lowmem-bound — many small 4-thread processes on 3G/1G PAE with HIGHPTE, 8 GiB', () => {
    const l = layout({ kernel: 'debian-6.1-686-pae', config: '3g1g-pae', ram: '8G' });
    // PAE, no PTI: PGD 32 B + 3 user PMD pages; HIGHPTE (profile default) puts (512M/2M + 2) = 258 PTE pages in highmem
    expect(pageTableBytes(l, 512 * MiB)).toEqual({ lowmem: 32 + 3 * 4096, highmem: 258 * 4096 });
    const c = computeCapacity(l, { procs: 1000, threads: 4, rssBytes: 256 * KiB, vmBytes: 16 * MiB });
    // per process: 4 stacks of 2 pages; the machine's PGD page + 3 PMD pages
    expect(c.perProcess.kernelStacks).toBe(4 * 8 * KiB);
    expect(c.perProcess.pageTablesLowmem).toBe(4 * 4096);
    // An 8 GB PC: 3 GB under the PCI hole, 5 GB from 4 GB up → max_pfn 0x240000; lowmem 0x36ffe pages
    // less the 97 pages of e820 holes, mem_map (0x240000 pages * 36 B = 82944 KiB) and the boot reserve (3564 pages)
    const b = budget(l);
    expect(b.managed).toBe(0x36ffe - 97 - 82944 / 4 - 3564);
    expect(c.availableLowmemBytes).toBe(b.usable * 4096);
    // 4 task_structs and pids, the rest once, 10 VMAs, 1 open file; user + HIGHPTE pages (256 KiB + 10 PTE
    // pages each) fit in the 7.1 GiB of highmem, so lowmem decides
    const pages = (n: number) => slabPages(l, n, 4, 10, 1) + n * (4 * 2 + 4);
    expect(c.maxProcs).toBe(largestFitting(pages, b.usable));
    expect(c.limitedBy).toBe('lowmem');
    expect(c.fits).toBe(true);
  });

  it('PTI doubles the PAE PGD and unshares the kernel PMDs', () => {
    const l = layout({ config: '3g1g-pae-pti', highpte: false });
    // 8 KiB PGD + 4 PMD pages + 1 user copy of the kernel PMD + (64M/2M + 2) PTE pages
    expect(pageTableBytes(l, 64 * MiB)).toEqual({ lowmem: 8192 + 5 * 4096 + 34 * 4096, highmem: 0 });
  });

  it('maxFitting solves n*k + max(0, n*r - h) <= a', () => {
    expect(maxFitting(100, 10, 0, 0)).toBe(10);
    expect(maxFitting(100, 10, 5, 20)).toBe(8); // 8*10 + (40-20) = 100
    expect(maxFitting(-1, 10, 5, 20)).toBe(0);
  });

  it('min_free_kbytes follows int_sqrt(lowmem_kB * 16) with its clamps', () => {
    expect(minFreeBytes(896 * MiB)).toBe(3831 * KiB);
    expect(minFreeBytes(0)).toBe(128 * KiB);
  });

  it('a process VA span larger than TASK_SIZE does not fit any split with less user space', () => {
    const c = computeCapacity(layout({ config: '1g3g' }), { procs: 1, threads: 1, rssBytes: MiB, vmBytes: 1536 * MiB });
    expect([c.maxProcs, c.limitedBy, c.fits]).toEqual([0, 'address-space', false]);
  });

  it('tcp_mem is sized by lowmem: nr_free_buffer_pages() / 16 (managed lowmem above the high watermarks), 2G/2G about twice 3G/1G', () => {
    const tcp = (config: string) => {
      const l = layout({ config, ram: '4G' });
      const zones = bootMemory(l.config, l).mem.report();
      // nr_free_buffer_pages(): the zones up to ZONE_NORMAL, managed pages above the high watermark.
      const buffer = zones.filter((z) => z.name !== 'HighMem').reduce((n, z) => n + Math.max(0, z.managedPages - z.watermarks.high), 0);
      const limit = Math.max(Math.floor(buffer / 16), 128);
      const c = computeCapacity(l, { procs: 0, threads: 1, rssBytes: 0, vmBytes: 0 });
      expect(c.tcpMem.pressureBytes).toBe(limit * 4096);
      expect(c.tcpMem.maxBytes).toBe(Math.floor(limit / 4) * 3 * 2 * 4096);
      return c.tcpMem.maxBytes;
    };
    // 3G/1G on 4 GB: 12,360 pages of pressure, 18,540 maximum (72.42 MB); 2G/2G, with 2.2 times the
    // lowmem: 27,627 and 41,436 (161.86 MB).
    expect(tcp('3g1g-highmem')).toBe(18_540 * 4096);
    expect(tcp('2g2g')).toBe(41_436 * 4096);
  });

  it('sockets: their objects per process, their queued data in lowmem up to tcp_mem, sk_buffs per MSS segment', () => {
    const l = layout({ config: '3g1g-highmem', ram: '4G' });
    const slab = kernelObjectsOf(l.config).slab;
    const bytes = (cache: keyof typeof slab, n: number) => (n * slab[cache].pagesPerSlab * 4096) / slab[cache].perSlab;
    const base = { procs: 100, threads: 1, rssBytes: MiB, vmBytes: 8 * MiB };
    const none = computeCapacity(l, base);
    // 20 sockets of 16 KiB each: a file, a dentry, a socket inode, a tcp_sock, and ceil(16384 / 1448) = 12 sk_buffs.
    const c = computeCapacity(l, { ...base, sockets: 20, socketBufferBytes: 16 * KiB });
    const perSocket =
      bytes('filp', 1) + bytes('dentry', 1) + bytes('sock_inode_cache', 1) + bytes('TCP', 1) + bytes('skbuff_head_cache', 12);
    expect(c.perProcess.sockets).toBeCloseTo(20 * perSocket, 6);
    expect(c.perProcess.totalLowmem - none.perProcess.totalLowmem).toBeCloseTo(20 * perSocket, 6);
    // 100 × 20 × 16 KiB = 31.25 MB queued: within the 72.42 MB maximum, all of it held in lowmem.
    expect(c.tcpMem.queuedBytes).toBe(100 * 20 * 16 * KiB);
    expect(c.tcpMem.heldBytes).toBe(100 * 20 * 4 * 4096);
    // 256 KiB each asks 500 MB: TCP holds its maximum, no more.
    const big = computeCapacity(l, { ...base, sockets: 20, socketBufferBytes: 256 * KiB });
    expect(big.tcpMem.heldBytes).toBe(big.tcpMem.maxBytes);
    // The slab pages of the sockets (packed over all 100 processes) and the held data are lowmem used.
    const packed = (cache: keyof typeof slab, n: number) => Math.ceil(n / slab[cache].perSlab) * slab[cache].pagesPerSlab * 4096;
    const socketSlab =
      packed('filp', 100 * 21) -
      packed('filp', 100) +
      packed('dentry', 2000) +
      packed('sock_inode_cache', 2000) +
      packed('TCP', 2000) +
      packed('skbuff_head_cache', 2000 * 12);
    expect(c.lowmemUsedBytes - none.lowmemUsedBytes).toBe(socketSlab + c.tcpMem.heldBytes);
  });

  it('the file set: dentries and ext4 inodes against the lowmem left, its data against the page-cache room', () => {
    const l = layout({ config: '3g1g-highmem', ram: '4G' });
    const slab = kernelObjectsOf(l.config).slab;
    const packed = (cache: keyof typeof slab, n: number) => Math.ceil(n / slab[cache].perSlab) * slab[cache].pagesPerSlab * 4096;
    const w = { procs: 100, threads: 1, rssBytes: 8 * MiB, vmBytes: 64 * MiB, files: 100_000, fileSetBytes: 4096 * MiB };
    const c = computeCapacity(l, w);
    const f = c.fileSet!;
    expect(f.metadataBytes).toBe(packed('dentry', 100_000) + packed('ext4_inode_cache', 100_000));
    expect(f.lowmemLeftBytes).toBe(c.availableLowmemBytes - c.lowmemUsedBytes);
    expect(f.metadataFits).toBe(true);
    // Page-cache room: highmem the user pages leave (HIGHPTE pages included) and the lowmem the metadata leaves.
    expect(f.cacheRoomBytes).toBe(l.highmemBytes - c.userInHighmemBytes + f.lowmemLeftBytes - f.metadataBytes);
    expect(f.cachedFraction).toBe(f.cacheRoomBytes / (4096 * MiB));
    // Without HIGHMEM the same box caches only what lowmem leaves; a million files do not fit it at all.
    const low = computeCapacity(layout({ config: '3g1g-nohighmem', ram: '4G' }), { ...w, procs: 10, files: 1_000_000 }).fileSet!;
    expect(low.metadataFits).toBe(false);
    expect(low.cacheRoomBytes).toBe(0);
    expect(computeCapacity(l, { ...w, files: 0, fileSetBytes: 0 }).fileSet).toBeNull();
  });

  it('hmsim capacity prints the TCP limit and the file set; a bad --socket-buffer exits 2', async () => {
    const r = await runMain([
      'capacity',
      '--config',
      '3g1g-highmem',
      '--ram',
      '4G',
      '--sockets',
      '20',
      '--socket-buffer',
      '256K',
      '--files',
      '1000',
      '--file-set',
      '1G',
    ]);
    expect(r.stdout).toContain('TCP buffer limit (tcp_mem, sized by lowmem): pressure at 48.28 MB, maximum 72.42 MB\n');
    expect(r.stdout).toContain('the sockets ask to queue 500.00 MB of lowmem — over the maximum: TCP queues no more, 72.42 MB held\n');
    // 1000 dentries in 32 one-page slabs, 1000 ext4 inodes in 50 slabs of 20 in 4 pages (4 CPUs): 232 pages.
    expect(r.stdout).toContain("file set: 1000 files' dentries and inodes 0.91 MB of lowmem, 642.39 MB left — they stay cached\n");
    expect(r.stdout).toContain('page cache room 2030.33 MB for 1024.00 MB of data: 100.0 % of it cached\n');
    const bad = runCli(['capacity', '--socket-buffer', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      "hmsim: --socket-buffer: 'lots' is not a size (expected bytes, hex like 0xbffe0000, or a number with K/M/G/T suffix like 512M)\n",
    );
  });

  it('hmsim capacity --compare --json lists every configuration; bad --procs exits 2', async () => {
    const r = await runMain(['capacity', '--compare', '--ram', '4G', '--procs', '100', '--json']);
    const j = JSON.parse(r.stdout) as { configs: { config: string }[] };
    expect(j.configs.map((c) => c.config)).toContain('2g2g');
    expect(j.configs).toHaveLength(11);
    const bad = runCli(['capacity', '--procs', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("hmsim: --procs: 'many' is not an integer in [0, 10000000]\n");
  });
});
