/**
 * The layout-shaping facts a kernel profile carries (`layout` in models/kernels/<name>.json), parsed and
 * validated once into a readonly typed object.
 *
 * A profile does not store results (lowmem size, addresses); it stores what the kernel's own headers
 * and .config say — the fixmap enum entries present in that build, how many pages one cpu_entry_area
 * takes, which formula the era used for MAXMEM — and src/layout/compute.ts derives everything else.
 *
 * Vocabulary (the kernel's names):
 * - fixmap enum: compile-time page slots counted down from FIXADDR_TOP (arch/x86/include/asm/fixmap.h).
 *   "Permanent" slots end at __end_of_permanent_fixed_addresses; the boot-time FIX_BTMAP slots and a few
 *   others follow and end at __end_of_fixed_addresses.
 * - era formulas: `classic` is the 2.6.x-up-to-2.6.27 i386 layout (MAXMEM = -PAGE_OFFSET - reserve,
 *   VMALLOC_START rounded up to 8 MiB, pkmap just below the boot fixmap); `vmallocEnd` is the layout since
 *   the 2008 "i386: vmalloc size fix" (MAXMEM = VMALLOC_END - PAGE_OFFSET - reserve).
 */
import { InputError } from '../errors.ts';

/** When a fixmap entry exists in addition to its .config option (which the profile already applied). */
export type FixmapCondition = 'always' | 'highmem';

/** One fixmap enum entry (or a contiguous range of them). */
export type FixmapEntry = {
  /** Enum name(s), e.g. `FIX_IO_APIC_BASE_0..FIX_IO_APIC_BASE_END`. */
  readonly name: string;
  /** Pages independent of NR_CPUS. */
  readonly pages: number;
  /** Pages per CONFIG_NR_CPUS (the kmap slots: KM_TYPE_NR or KM_MAX_IDX per CPU). */
  readonly pagesPerCpu: number;
  /** `highmem`: the entry sits inside `#ifdef CONFIG_HIGHMEM` (or CONFIG_KMAP_LOCAL, selected by it). */
  readonly when: FixmapCondition;
  /** The .config option that put it there, for the printout and docs (`X86_IO_APIC`), or "". */
  readonly config: string;
};

/** The fixmap enum of one kernel build. */
export type FixmapFacts = {
  readonly permanent: readonly FixmapEntry[];
  /** Number of FIX_BTMAP slots (16 in 2.6.18; NR_FIX_BTMAPS 64 x FIX_BTMAPS_SLOTS 8 = 512 since 2.6.3x). */
  readonly bootSlots: number;
  /** Whether FIX_BTMAP_END is moved so the boot slots do not straddle a page-table page (2.6.3x+). */
  readonly bootAlignToPtePage: boolean;
  /** Entries after the boot slots (FIX_WP_TEST, FIX_TBOOT_BASE). */
  readonly afterBoot: readonly FixmapEntry[];
};

/** Which kernel messages (printk format strings, verbatim) the era prints. `%ld`/`%#lx` are filled in. */
export type KernelMessages = {
  /** NOHIGHMEM with RAM above MAXMEM: "Warning only %ldMB will be used." */
  readonly nohighmemOnly: string;
  /** ... followed by this when max_pfn is above 4 GiB. */
  readonly nohighmemUsePae: string;
  /** ... or this when it is not. */
  readonly nohighmemUseHighmem: string;
  /** HIGHMEM4G with max_pfn above 4 GiB (only reachable without the e820 clamp). One or more lines. */
  readonly highmemTrimmed: readonly string[];
  /** The e820 clamp of max_pfn to MAX_ARCH_PFN (printed with pr_info, prefix "e820: "). */
  readonly e820Clamp: string;
};

/** Everything a profile says about the layout. */
export type LayoutFacts = {
  /** __FIXADDR_TOP (0xfffff000 on every native x86-32 kernel). */
  readonly fixaddrTop: number;
  readonly fixmap: FixmapFacts;
  /**
   * Pages of one `struct cpu_entry_area` (DIV_ROUND_UP(sizeof, PAGE_SIZE)), or null before 4.15.
   * The region is placed below FIXADDR_TOT_START and its base rounded down to a PMD.
   */
  readonly cpuEntryAreaPagesPerCpu: number | null;
  /**
   * CPU_ENTRY_AREA_PAGES / NR_CPUS as used to place the region: a hard-coded 40 (4.15-5.4, 41 in 5.5)
   * in pgtable_32_types.h, DIV_ROUND_UP(sizeof(struct cpu_entry_area), PAGE_SIZE) once
   * pgtable_32_areas.h could include cpu_entry_area.h. Null when there is no cpu_entry_area.
   */
  readonly cpuEntryAreaReservedPagesPerCpu: number | null;
  /** The 4.19+ LDT remap PMD between cpu_entry_area and pkmap. */
  readonly ldtRemap: boolean;
  /** `classic`: MAXMEM = -PAGE_OFFSET - reserve. `vmallocEnd`: MAXMEM = VMALLOC_END - PAGE_OFFSET - reserve. */
  readonly maxmem: 'classic' | 'vmallocEnd';
  /** 2.6-classic VMALLOC_START = (high_memory + 2*8M - 1) & ~(8M - 1); otherwise high_memory + 8M. */
  readonly vmallocStartRounded: boolean;
  /** `vmalloc=SIZE` sets the reserve to SIZE + 8 MiB (true since 2008) or to SIZE (classic). */
  readonly vmallocParamAddsOffset: boolean;
  /** __VMALLOC_RESERVE without `vmalloc=` (128 MiB in every era). */
  readonly vmallocReserveDefault: number;
  /** e820 end-of-RAM is clamped to MAX_ARCH_PFN (4 GiB non-PAE, 64 GiB PAE) before zones are sized. */
  readonly e820ClampsToArchMax: boolean;
  /** sizeof(struct page) in bytes on this build (32; 36 with CONFIG_MEMCG in 4.x-6.x). */
  readonly structPageBytes: number;
  readonly messages: KernelMessages;
  /** The per-process kernel memory estimates capacity planning uses, or null when the profile has none. */
  readonly processKernelMemory: ProcessKernelMemory | null;
  /** Slab caches and the page allocator's tunables of this build, or null when the profile has none. */
  readonly kernelObjects: KernelObjects | null;
};

/** One slab cache as /proc/slabinfo shows it: slot size, objects per slab, pages per slab. */
export type SlabGeometry = { readonly objSize: number; readonly perSlab: number; readonly pagesPerSlab: number };

/** The slab caches the machine charges (slabinfo names; every one is lowmem, GFP_KERNEL). */
export const SLAB_CACHE_NAMES = [
  'dentry',
  'shmem_inode_cache',
  'ext4_inode_cache',
  'buffer_head',
  'task_struct',
  'mm_struct',
  'vm_area_struct',
  'filp',
  'pid',
  'files_cache',
  'signal_cache',
  'sighand_cache',
  'cred_jar',
  'sock_inode_cache',
  'TCP',
  'skbuff_head_cache',
] as const;
export type SlabCacheName = (typeof SLAB_CACHE_NAMES)[number];

/**
 * Kernel objects of one build (`layout.kernelObjects`): the slab caches' geometry and what sizes the
 * page allocator's reserves (min_free_kbytes and the watermarks, mm/page_alloc.c; khugepaged's raise of
 * min_free_kbytes when transparent hugepages are enabled, mm/khugepaged.c).
 */
export type KernelObjects = {
  readonly slab: Readonly<Record<SlabCacheName, SlabGeometry>>;
  /** SLUB's s->min_partial bounds: empty slabs a cache keeps (mm/slub.c MIN_PARTIAL, MAX_PARTIAL). */
  readonly minPartial: readonly [number, number];
  /** Upper clamp of min_free_kbytes (init_per_zone_wmark_min). */
  readonly minFreeKbytesMax: number;
  /** CONFIG_TRANSPARENT_HUGEPAGE with khugepaged started at boot (enabled = always or madvise). */
  readonly thp: boolean;
  /** VMAs every exec makes that no mmap record shows (the stack, vvar, vdso). */
  readonly execVmas: number;
};

/** Per-process kernel memory of one kernel build (`layout.processKernelMemory`), bytes. */
export type ProcessKernelMemory = {
  readonly threadSizeBytes: number;
  readonly perThreadBytes: number;
  readonly perProcessBytes: number;
  readonly staticReservedBytes: number;
};

// ---------------------------------------------------------------------------------------------------
// Parsing (at the edge: the JSON file). Every failure names the file and the field.

type Json = Readonly<Record<string, unknown>>;

function fail(file: string, field: string, expected: string, got: unknown): never {
  throw new InputError(`${file}: field '${field}' ${expected} (got ${JSON.stringify(got)})`);
}

function obj(file: string, field: string, v: unknown): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(file, field, 'must be an object', v);
  return v as Json;
}

/** A non-negative integer, given as a JSON number or a "0x..." string. */
export function intField(file: string, field: string, v: unknown): number {
  if (typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v)) return Number.parseInt(v.slice(2), 16);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  return fail(file, field, 'must be a non-negative integer or a hex string like "0xfffff000"', v);
}

function boolField(file: string, field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') fail(file, field, 'must be true or false', v);
  return v;
}

function strField(file: string, field: string, v: unknown): string {
  if (typeof v !== 'string') fail(file, field, 'must be a string', v);
  return v;
}

function entries(file: string, field: string, v: unknown): FixmapEntry[] {
  if (!Array.isArray(v)) fail(file, field, 'must be an array of fixmap entries', v);
  return v.map((e: unknown, i: number) => {
    const f = `${field}[${i}]`;
    const o = obj(file, f, e);
    const when = o['when'] ?? 'always';
    if (when !== 'always' && when !== 'highmem') fail(file, `${f}.when`, "must be 'always' or 'highmem'", when);
    return {
      name: strField(file, `${f}.name`, o['name']),
      pages: intField(file, `${f}.pages`, o['pages'] ?? 0),
      pagesPerCpu: intField(file, `${f}.pagesPerCpu`, o['pagesPerCpu'] ?? 0),
      when,
      config: typeof o['config'] === 'string' ? o['config'] : '',
    };
  });
}

function kernelObjects(file: string, raw: unknown): KernelObjects | null {
  if (raw === undefined) return null;
  const o = obj(file, 'layout.kernelObjects', raw);
  const slabRaw = obj(file, 'layout.kernelObjects.slab', o['slab']);
  const slab = {} as Record<SlabCacheName, SlabGeometry>;
  for (const name of SLAB_CACHE_NAMES) {
    const f = `layout.kernelObjects.slab.${name}`;
    const g = slabRaw[name];
    if (!Array.isArray(g) || g.length !== 3) fail(file, f, 'must be [objsize, objperslab, pagesperslab] as /proc/slabinfo shows them', g);
    const [objSize, perSlab, pagesPerSlab] = (g as unknown[]).map((x, i) => intField(file, `${f}[${i}]`, x)) as [number, number, number];
    if (perSlab < 1 || pagesPerSlab < 1 || objSize * perSlab > pagesPerSlab * 4096)
      fail(file, f, 'must fit objperslab objects of objsize bytes in pagesperslab pages', g);
    slab[name] = { objSize, perSlab, pagesPerSlab };
  }
  const mp = o['minPartial'];
  if (!Array.isArray(mp) || mp.length !== 2) fail(file, 'layout.kernelObjects.minPartial', 'must be [MIN_PARTIAL, MAX_PARTIAL]', mp);
  return {
    slab,
    minPartial: [intField(file, 'layout.kernelObjects.minPartial[0]', mp[0]), intField(file, 'layout.kernelObjects.minPartial[1]', mp[1])],
    minFreeKbytesMax: intField(file, 'layout.kernelObjects.minFreeKbytesMax', o['minFreeKbytesMax']),
    thp: boolField(file, 'layout.kernelObjects.thp', o['thp']),
    execVmas: intField(file, 'layout.kernelObjects.execVmas', o['execVmas']),
  };
}

function processKernelMemory(file: string, raw: unknown): ProcessKernelMemory | null {
  if (raw === undefined) return null;
  const o = obj(file, 'layout.processKernelMemory', raw);
  const field = (k: keyof ProcessKernelMemory): number => intField(file, `layout.processKernelMemory.${k}`, o[k]);
  return {
    threadSizeBytes: field('threadSizeBytes'),
    perThreadBytes: field('perThreadBytes'),
    perProcessBytes: field('perProcessBytes'),
    staticReservedBytes: field('staticReservedBytes'),
  };
}

/**
 * Validates the `layout` object of a kernel profile.
 * @param file the profile's path (for messages)
 * @param raw  the parsed JSON value of `layout`
 */
export function parseLayoutFacts(file: string, raw: unknown): LayoutFacts {
  const o = obj(file, 'layout', raw);
  const fx = obj(file, 'layout.fixmap', o['fixmap']);
  const msg = obj(file, 'layout.messages', o['messages']);
  const maxmem = o['maxmem'];
  if (maxmem !== 'classic' && maxmem !== 'vmallocEnd') {
    fail(file, 'layout.maxmem', "must be 'classic' or 'vmallocEnd'", maxmem);
  }
  const cea = o['cpuEntryAreaPagesPerCpu'];
  const trimmed = msg['highmemTrimmed'];
  if (!Array.isArray(trimmed) || !trimmed.every((s) => typeof s === 'string')) {
    fail(file, 'layout.messages.highmemTrimmed', 'must be an array of strings', trimmed);
  }
  const facts: LayoutFacts = {
    fixaddrTop: intField(file, 'layout.fixaddrTop', o['fixaddrTop']),
    fixmap: {
      permanent: entries(file, 'layout.fixmap.permanent', fx['permanent']),
      bootSlots: intField(file, 'layout.fixmap.bootSlots', fx['bootSlots']),
      bootAlignToPtePage: boolField(file, 'layout.fixmap.bootAlignToPtePage', fx['bootAlignToPtePage']),
      afterBoot: entries(file, 'layout.fixmap.afterBoot', fx['afterBoot'] ?? []),
    },
    cpuEntryAreaPagesPerCpu: cea === null || cea === undefined ? null : intField(file, 'layout.cpuEntryAreaPagesPerCpu', cea),
    cpuEntryAreaReservedPagesPerCpu:
      cea === null || cea === undefined
        ? null
        : intField(file, 'layout.cpuEntryAreaReservedPagesPerCpu', o['cpuEntryAreaReservedPagesPerCpu'] ?? cea),
    ldtRemap: boolField(file, 'layout.ldtRemap', o['ldtRemap']),
    maxmem,
    vmallocStartRounded: boolField(file, 'layout.vmallocStartRounded', o['vmallocStartRounded']),
    vmallocParamAddsOffset: boolField(file, 'layout.vmallocParamAddsOffset', o['vmallocParamAddsOffset']),
    vmallocReserveDefault: intField(file, 'layout.vmallocReserveDefault', o['vmallocReserveDefault']),
    e820ClampsToArchMax: boolField(file, 'layout.e820ClampsToArchMax', o['e820ClampsToArchMax']),
    structPageBytes: intField(file, 'layout.structPageBytes', o['structPageBytes']),
    messages: {
      nohighmemOnly: strField(file, 'layout.messages.nohighmemOnly', msg['nohighmemOnly']),
      nohighmemUsePae: strField(file, 'layout.messages.nohighmemUsePae', msg['nohighmemUsePae']),
      nohighmemUseHighmem: strField(file, 'layout.messages.nohighmemUseHighmem', msg['nohighmemUseHighmem']),
      highmemTrimmed: trimmed as string[],
      e820Clamp: strField(file, 'layout.messages.e820Clamp', msg['e820Clamp']),
    },
    processKernelMemory: processKernelMemory(file, o['processKernelMemory']),
    kernelObjects: kernelObjects(file, o['kernelObjects']),
  };
  if (facts.ldtRemap && facts.cpuEntryAreaPagesPerCpu === null) {
    fail(file, 'layout.ldtRemap', 'requires layout.cpuEntryAreaPagesPerCpu (the LDT PMD sits below cpu_entry_area)', true);
  }
  if (facts.fixaddrTop % 4096 !== 0 || facts.fixaddrTop >= 2 ** 32) {
    fail(file, 'layout.fixaddrTop', 'must be a page-aligned 32-bit address', o['fixaddrTop']);
  }
  return facts;
}
