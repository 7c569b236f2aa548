/**
 * Text and JSON writers over a LayoutDetail (the model never prints; these only build strings/objects).
 */
import { MiB, hex32 } from '../units/address.ts';
import type { LayoutDetail } from './detail.ts';
import type { Layout, MachineConfig } from './types.ts';
import type { RunConfig } from '../result/run-result.ts';

/** A compact, JSON-friendly description of a MachineConfig (the kernel profile by name only). */
export function configSummary(cfg: MachineConfig): Record<string, unknown> {
  return {
    name: cfg.name,
    kernel: cfg.kernel.name,
    split: cfg.split,
    highmem: cfg.highmem,
    pae: cfg.pae,
    pti: cfg.pti,
    highpte: cfg.highpte,
    nrCpus: cfg.nrCpus,
    cpus: cfg.cpus,
    ramBytes: cfg.ramBytes,
    ramBelow4gBytes: cfg.ramBelow4gBytes ?? null,
    vmallocBytes: cfg.vmallocBytes,
  };
}

/** The `hmsim layout --json` object: every Layout field plus the detail, with the config summarised. */
export function layoutToJson(l: LayoutDetail): Record<string, unknown> {
  const { config, ...rest } = l;
  return { config: configSummary(config), ...rest };
}

/** Where the RAM went, as a RunResult and the layout JSON carry it (bytes). */
export function ramJson(l: Layout): RunConfig['ram'] {
  const r = l.ram;
  return {
    installedBytes: r.installedBytes,
    usableBytes: r.usableBytes,
    lostBytes: r.firmwareBytes + r.ignoredBytes,
    firmwareBytes: r.firmwareBytes,
    ignoredBytes: r.ignoredBytes,
    below4gBytes: r.below4gBytes,
  };
}

function mb1(n: number): string {
  const v = n / MiB;
  return Number.isInteger(v) ? `${v} MB` : `${v.toFixed(1)} MB`;
}

/**
 * One line naming the RAM installed, usable and lost, and why, for the headers of layout, run, compare and
 * sweep: "RAM 4096 MB installed, 3071.5 MB usable, 1024.5 MB lost (1024 MB above 4 GB unusable without PAE,
 * 0.5 MB kept by the firmware)".
 */
export function ramLine(l: Layout): string {
  const r = l.ram;
  const why: string[] = [];
  if (r.ignoredBytes > 0) {
    const cfg = l.config;
    const reason =
      cfg.highmem === 'off' && cfg.split !== 'x86_64' ? 'above lowmem unusable without HIGHMEM' : 'above 4 GB unusable without PAE';
    why.push(`${mb1(r.ignoredBytes)} ${reason}`);
  }
  if (r.firmwareBytes > 0) why.push(`${mb1(r.firmwareBytes)} kept by the firmware`);
  const lost = r.firmwareBytes + r.ignoredBytes;
  return (
    `RAM ${mb1(r.installedBytes)} installed, ${mb1(r.usableBytes)} ` +
    `usable, ${mb1(lost)} lost${why.length > 0 ? ` (${why.join(', ')})` : ''}`
  );
}

/** "3G/1G, HIGHMEM64G (PAE), PTI, NR_CPUS=32" */
export function describeConfig(cfg: MachineConfig, splitLabel: string): string {
  const hm = cfg.highmem === 'off' ? 'NOHIGHMEM' : cfg.highmem === '4G' ? 'HIGHMEM4G' : 'HIGHMEM64G';
  const parts = [splitLabel];
  if (cfg.split !== 'x86_64') parts.push(cfg.pae ? `${hm} (PAE)` : hm);
  if (cfg.pti) parts.push('PTI');
  if (cfg.highpte) parts.push('HIGHPTE');
  parts.push(`NR_CPUS=${cfg.nrCpus}`);
  if (cfg.vmallocBytes !== null) parts.push(`vmalloc=${fmtBytes(cfg.vmallocBytes)}`);
  return parts.join(', ');
}

/** 3221225472 → "3G", 0xbffe0000 → "3071.875M", 8146944 → "7.77M" (binary units, exact where possible). */
export function fmtBytes(n: number): string {
  for (const [unit, size] of [
    ['T', 2 ** 40],
    ['G', 2 ** 30],
    ['M', 2 ** 20],
  ] as const) {
    if (n >= size && n % size === 0) return `${n / size}${unit}`;
  }
  if (n >= 2 ** 20) return `${Number((n / 2 ** 20).toFixed(3))}M`;
  if (n >= 2 ** 10 && n % 2 ** 10 === 0) return `${n / 2 ** 10}K`;
  return `${n}`;
}

function hexAny(n: number): string {
  return n < 2 ** 32 ? hex32(n) : '0x' + n.toString(16).padStart(16, '0');
}

/** One printout line in the kernel's "%-9s: 0x%08lx - 0x%08lx   (%4ld kB)" style. */
function line(name: string, start: number, end: number, unit: 'kB' | 'MB'): string {
  const size = unit === 'kB' ? Math.floor((end - start) / 1024) : Math.floor((end - start) / MiB);
  return `    ${name.padEnd(9)} : ${hexAny(start)} - ${hexAny(end)}   (${String(size).padStart(4)} ${unit})`;
}

/** The human printout of one layout, modelled on the old "virtual kernel memory layout" boot lines. */
export function formatLayout(l: LayoutDetail): string {
  const c = l.config;
  const out: string[] = [];
  out.push(`configuration: ${c.name} — ${describeConfig(c, l.splitLabel)}`);
  out.push(`kernel profile: ${c.kernel.name} (${c.kernel.version})`);
  const hole = l.ram.below4gBytes < c.ramBytes ? `; ${fmtBytes(l.ram.below4gBytes)} under the PCI hole, the rest from 4G up` : '';
  out.push(`${ramLine(l)}${hole}; ${c.cpus} online CPU(s)`);
  out.push('');
  out.push('virtual kernel memory layout:');
  if (c.split === 'x86_64') {
    // No lowmem/highmem split on a 64-bit kernel: every RAM page is in the direct map, whose addresses up
    // to max_pfn also span the PCI hole (not RAM). Its size in RAM is the e820 RAM, not the span.
    for (const r of l.regions) {
      if (r.name !== 'lowmem') out.push(line(r.name, r.start, r.end, 'MB'));
      else out.push(`${line('directmap', r.start, r.end, 'MB')} up to max_pfn: ${mb1(l.lowmemBytes)} of RAM, all of it (no highmem)`);
    }
  } else {
    out.push(line('fixmap', l.fixaddrStart, l.fixaddrTop, 'kB'));
    out.push(line('(boot)', l.fixaddrTotStart, l.fixaddrStart, 'kB'));
    if (l.cpuEntryArea) out.push(line('cpu_entry', l.cpuEntryArea.start, l.cpuEntryArea.end, 'kB'));
    if (l.ldtRemap) out.push(line('ldt', l.ldtRemap.start, l.ldtRemap.end, 'kB'));
    if (l.pkmap) out.push(line('pkmap', l.pkmap.start, l.pkmap.end, 'kB'));
    out.push(line('vmalloc', l.vmallocStart, l.vmallocEnd, 'MB'));
    out.push(line('hole', l.highMemory, l.vmallocStart, 'MB'));
    out.push(line('lowmem', l.pageOffset, l.highMemory, 'MB'));
  }
  out.push(line('user', 0, l.taskSize, 'MB'));
  if (c.split === '4G4G') out.push('    (4G/4G: user space is a separate address space; only the top 16 MB trampoline window is shared)');
  out.push('');
  out.push(`PAGE_OFFSET ${hexAny(l.pageOffset)}   TASK_SIZE ${hexAny(l.taskSize)}   ${l.pagingLevels}-level paging`);
  if (c.split !== 'x86_64') {
    out.push(
      `MAXMEM ${hexAny(l.maxmemBytes)} (${Math.floor(l.maxmemBytes / MiB)} MB)   vmalloc reserve ${fmtBytes(l.vmallocReserveBytes)}   ` +
        `fixmap ${l.fixmapPermanentPages} + boot ${l.fixmapTotalPages - l.fixmapPermanentPages} pages`,
    );
  }
  if (c.split === 'x86_64')
    out.push(`max_pfn 0x${l.maxPfn.toString(16)}   (64-bit: no highmem, no pkmap; every RAM page is direct-mapped)`);
  else out.push(`max_pfn 0x${l.maxPfn.toString(16)}   max_low_pfn 0x${l.maxLowPfn.toString(16)}   LAST_PKMAP ${l.lastPkmap}`);
  out.push(`VmallocTotal: ${Math.floor((l.vmallocEnd - l.vmallocStart) / 1024)} kB   high_memory ${hexAny(l.highMemory)}`);
  out.push(`zones: ${l.zones.map((z) => `${z.name} [0x${z.startPfn.toString(16)}, 0x${z.endPfn.toString(16)})`).join('  ')}`);
  out.push(
    `mem_map: ${fmtBytes(l.memMapBytes)} ${c.split === 'x86_64' ? 'in the vmemmap' : 'of lowmem'} (${l.structPageBytes} B per page)`,
  );
  for (const n of l.notes) out.push(`note: ${n}`);
  if (l.dmesg.length > 0) {
    out.push('');
    out.push('boot messages:');
    for (const m of l.dmesg) out.push(`  ${m}`);
  }
  return out.join('\n') + '\n';
}

/** One row of `hmsim layout --compare`. */
export interface CompareRow {
  readonly name: string;
  readonly split: string;
  /** HIGHMEM mode and page-table format: `off`, `4G`, `64G PAE` (… `+PTI`). */
  readonly memory: string;
  readonly pageOffset: number;
  readonly lowmemMB: number;
  /** The kernel's "HIGHMEM available" figure: max_pfn − max_low_pfn, which spans the PCI hole. */
  readonly highmemMB: number;
  /** RAM in the HighMem zone (MiB, truncated): the table's "highmem MB", comparable with RAM and with capacity. */
  readonly highmemRamMB: number;
  readonly userMB: number;
  readonly unusableMB: number;
  readonly memMapMB: number;
}

/** Compare rows for the layouts. */
export function compareRows(layouts: readonly LayoutDetail[]): CompareRow[] {
  return layouts.map((l) => ({
    name: l.config.name,
    split: l.splitLabel,
    memory: `${l.config.highmem === 'off' ? 'off' : l.config.highmem}${l.config.pae ? ' PAE' : ''}${l.config.pti ? ' +PTI' : ''}`,
    pageOffset: l.pageOffset,
    lowmemMB: l.lowmemMB,
    highmemMB: l.highmemMB,
    highmemRamMB: Math.floor(l.highmemBytes / MiB),
    userMB: Math.floor(l.taskSize / MiB),
    unusableMB: Math.floor(l.ignoredRamBytes / MiB),
    memMapMB: Number((l.memMapBytes / MiB).toFixed(1)),
  }));
}

/** A plain text table: numbers right-aligned, text left-aligned. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header.map(String), ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return (
    cells
      .map((r, ri) =>
        r
          .map((c, i) => (ri > 0 && /^-?[\d.]+\*?$/.test(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** The `--compare` text. */
export function formatCompare(ramBytes: number, kernel: string, rows: readonly CompareRow[]): string {
  const head = `splits side by side — RAM ${fmtBytes(ramBytes)}, kernel profile ${kernel}\n\n`;
  return (
    head +
    table(
      ['config', 'split', 'HIGHMEM', 'PAGE_OFFSET', 'lowmem MB', 'highmem MB', 'user space MB', 'unusable RAM MB', 'mem_map MB'],
      rows.map((r) => [
        r.name,
        r.split,
        r.memory,
        hex32(r.pageOffset),
        r.split === 'x86_64' ? `${r.lowmemMB}*` : r.lowmemMB,
        r.highmemRamMB,
        r.userMB,
        r.unusableMB,
        r.memMapMB,
      ]),
    ) +
    (rows.some((r) => r.split === 'x86_64')
      ? '* x86_64 has no lowmem/highmem split: every byte of RAM is in the direct map (the figure is all its RAM)\n'
      : '') +
    // With RAM above 4 GiB the kernel's "HIGHMEM available" line (max_pfn − max_low_pfn) also counts the PCI
    // hole: lowmem + that figure would exceed the RAM installed. The table shows the RAM; say so when they differ.
    (rows.some((r) => r.highmemMB !== r.highmemRamMB)
      ? 'highmem MB: RAM in the HighMem zone; the kernel\'s "HIGHMEM available" ' +
        'boot line also counts the PCI hole (hmsim layout --config NAME shows it)\n'
      : '')
  );
}
