/**
 * Text tables for `hmsim run` and `hmsim compare` (stdout without --json). Built from RunResults only.
 */
import { CYCLE_CATEGORIES, type RunResult } from '../result/run-result.ts';
import { formatInt, formatPercent, formatSeconds } from '../report/format.ts';
import type { Provenance } from '../report/provenance.ts';
import { runHeaderText } from '../report/run-header.ts';
import { identicalRunsNote } from './compare-why.ts';
import { mechanismCycles, mechanismLegend, type MechanismId } from '../report/mechanisms.ts';

/** Right-aligned columns with a header rule. */
export function textTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

/** Share of `part` in `total` as "12.3 %". */
function share(part: number, total: number): string {
  return total > 0 ? `${((100 * part) / total).toFixed(1)} %` : '-';
}

/** The readable summary of one run, under the header of what was run (`provenance`: src/report/run-header.ts). */
export function formatRunSummary(r: RunResult, provenance: Provenance): string {
  const out: string[] = [];
  out.push(runHeaderText(provenance) + (r.feasible ? 'feasible' : `INFEASIBLE:\n${r.infeasible.map((s) => `  - ${s}`).join('\n')}`));
  out.push('');
  const pc = r.counts.pagecache;
  const io = r.counts.io;
  const hasIo = io.reads + io.writes > 0;
  // With device I/O the elapsed time leads: the cycles below are CPU cycles only (waits not included).
  out.push(
    textTable(
      [hasIo ? 'time (CPU cycles + device waits)' : 'time (CPU cycles, no device I/O)', 'value'],
      [
        ['elapsed', `${formatSeconds(r.time.elapsedSeconds)}`],
        ['I/O wait (all CPUs)', `${formatSeconds(r.time.ioWaitSeconds)}`],
        ['of which dirty throttling', `${formatSeconds(r.time.dirtyThrottleSeconds)}`],
        ...(r.time.requestsPerSecond !== null ? [['requests per second', r.time.requestsPerSecond.toFixed(1)]] : []),
        ['page cache hits / misses', `${formatInt(pc.hits)} / ${formatInt(pc.misses)}`],
        ['readahead / evictions / refaults', `${formatInt(pc.readahead)} / ${formatInt(pc.evictions)} / ${formatInt(pc.refaults)}`],
        ['pages written back', formatInt(pc.writebacks)],
        ['device reads (MiB)', `${formatInt(io.reads)} (${(io.bytesRead / 1048576).toFixed(1)})`],
        ['device writes (MiB)', `${formatInt(io.writes)} (${(io.bytesWritten / 1048576).toFixed(1)})`],
      ],
    ),
  );
  const total = r.cycles.total;
  const requests = r.time.requests;
  const perRequest = (v: number): string[] => (requests > 0 ? [formatInt(v / requests)] : []);
  out.push(
    textTable(
      ['CPU cycles by mechanism', 'cycles', 'share', ...(requests > 0 ? ['per request'] : [])],
      [
        ['total (all CPUs)', formatInt(total), '100.0 %', ...perRequest(total)],
        ...mechanismCycles(r).map((m) => [m.label, formatInt(m.cycles), share(m.cycles, total), ...perRequest(m.cycles)]),
      ],
    ) +
      mechanismLegend()
        .map((l) => `  ${l}\n`)
        .join(''),
  );
  out.push(
    textTable(
      ['CPU cycles by operation (as charged)', 'cycles', 'share'],
      CYCLE_CATEGORIES.map((c) => [c, formatInt(r.cycles.breakdown[c]), share(r.cycles.breakdown[c], total)]),
    ),
  );
  out.push(
    textTable(
      ['CPU cycles per CPU', 'cycles', 'share'],
      r.cycles.perCpu.map((v, i) => [`cpu ${i}`, formatInt(v), share(v, total)]),
    ),
  );
  const c = r.counts;
  out.push(
    textTable(
      ['event', 'count'],
      [
        ['accesses', formatInt(c.accesses)],
        ['iTLB misses', formatInt(c.itlbMisses)],
        ['dTLB misses', formatInt(c.dtlbMisses)],
        ['STLB misses', formatInt(c.stlbMisses)],
        ['page walks', formatInt(c.pageWalks)],
        ...perKiloAccess(c),
        ['page faults', formatInt(c.pageFaults)],
        ['INVLPG', formatInt(c.invlpg)],
        ['CR3 writes', formatInt(c.cr3Writes)],
        ['global flushes', formatInt(c.globalFlushes)],
        ['IPIs', formatInt(c.ipis)],
        ['context switches', formatInt(c.contextSwitches)],
        ['syscalls', formatInt(c.syscalls)],
        ['kmap (pkmap)', formatInt(c.kmap.pkmap)],
        ['kmap_atomic', formatInt(c.kmap.atomic)],
        ['kmap_local', formatInt(c.kmap.local)],
        ['pkmap flushes', formatInt(c.pkmapFlushes)],
        ['pkmap waits', formatInt(c.pkmapWaits)],
      ],
    ) + (c.accesses > 0 ? `  ${PER_KILO_ACCESS_LEGEND}\n` : ''),
  );
  out.push(
    textTable(
      ['zone', 'pages', 'used', 'user', 'page cache', 'page tables', 'kernel', 'mem_map'],
      r.memory.zones.map((z) => [
        z.name,
        formatInt(z.totalPages),
        formatInt(z.usedPages),
        ...['user', 'pageCache', 'pageTables', 'kernel', 'memMap'].map((k) => formatInt(z.byUse[k] ?? 0)),
      ]),
    ),
  );
  out.push(
    `lowmem free ${formatInt(r.memory.lowmemFreePages)} pages, highmem free ${formatInt(r.memory.highmemFreePages)} pages` +
      (r.memory.lowmemStarved ? ' — LOWMEM OOM' : ''),
  );
  out.push(kernelMemoryLine(r));
  const k = r.latency.kmap;
  if (k.count > 0)
    out.push(`kmap latency (cycles): mean ${formatInt(k.mean)}, p50 ${formatInt(k.p50)}, p99 ${formatInt(k.p99)}, max ${formatInt(k.max)}`);
  return out.join('\n') + '\n';
}

/** Kernel memory in lowmem: slab (largest caches), page tables, stacks, the reserve, reclaim. */
function kernelMemoryLine(r: RunResult): string {
  const m = r.memory;
  const mbOf = (pages: number): string => `${(pages / 256).toFixed(1)} MB`;
  const slab = Object.entries(m.slab ?? {}).sort((a, b) => b[1].pages - a[1].pages);
  const top = slab
    .slice(0, 3)
    .map(([name, s]) => `${name} ${formatInt(s.objects)}`)
    .join(', ');
  const low = r.counts.lowmem;
  return (
    `kernel memory: slab ${mbOf(slab.reduce((n, [, s]) => n + s.pages, 0))}${top !== '' ? ` (${top})` : ''}, page tables ` +
    `${mbOf(m.pageTablePages?.lowmem ?? 0)} lowmem + ${mbOf(m.pageTablePages?.highmem ?? 0)} ` +
    `highmem, kernel stacks ${mbOf(m.kernelStackPages ?? 0)}; ` +
    `min_free_kbytes ${m.minFreeKbytes ?? 0}; reclaim: ${formatInt(low?.kswapdWakes ?? 0)} ` +
    `kswapd wake-ups, ${formatInt(low?.directReclaims ?? 0)} direct rounds, ` +
    `${formatInt(low?.slabShrunk ?? 0)} dentries/inodes freed`
  );
}

/** What the per-1000-accesses rows count (printed under the event table): they can exceed 1000. */
export const PER_KILO_ACCESS_LEGEND =
  'per 1000 accesses: TLB misses of user and kernel translations (the text, data and stacks of every kernel path) per 1000 of the ' +
  "trace's access records, not a user-only miss ratio: above 1000 when the kernel's misses outnumber the trace's accesses";

/**
 * TLB miss rates per 1000 of the trace's memory accesses (hmsim's MPKI: traces count accesses, not
 * instructions). Misses include the kernel's own translations (DESIGN.md "The kernel's TLB footprint"),
 * so they are per access the trace made, not a user-only ratio. None when the trace made no access.
 */
function perKiloAccess(c: RunResult['counts']): string[][] {
  if (c.accesses === 0) return [];
  const k = (n: number): string => ((1000 * n) / c.accesses).toFixed(2);
  return [
    ['L1 TLB misses per 1000 accesses', k(c.itlbMisses + c.dtlbMisses)],
    ['STLB misses per 1000 accesses', k(c.stlbMisses)],
    ['page walks per 1000 accesses', k(c.pageWalks)],
  ];
}

/** Overhead of `r` relative to `base` in percent (total cycles), or null when not comparable. */
export function overheadPercent(r: RunResult, base: RunResult): number | null {
  if (!r.feasible || !base.feasible || base.cycles.total <= 0) return null;
  return (100 * (r.cycles.total - base.cycles.total)) / base.cycles.total;
}

/** What the compare table's columns are (printed under it). */
const COMPARE_LEGEND: readonly string[] = [
  'cycles: CPU cycles of all CPUs; overhead vs base: their change against the first configuration',
  'TLB walk cycles: page walks and STLB hits after L1 TLB misses',
  'kmap cycles: mapping highmem pages, with the INVLPG of every kmap_local/kmap_atomic unmap and the global flushes of pkmap wraps',
  'other flush+IPI cycles: user TLB flushes (munmap, mprotect, copy-on-write, fork, exit) and all TLB shootdown IPIs',
  'kmaps: highmem mappings made (pkmap + kmap_atomic + kmap_local); TLB misses: L1 iTLB + dTLB misses',
  'lowmem (MB): the DMA and Normal zones (pages / 256)',
];

const REQUESTS_LEGEND = "requests/s: the requests the trace declares (its header's request syscall) over the elapsed time";

/**
 * The side-by-side table of `hmsim compare`. When a run did device I/O the table leads with elapsed
 * time (CPU cycles plus device waits) and its change against the first configuration, then the CPU
 * cycles; otherwise with the cycles (elapsed time is then cycles at the clock frequency).
 */
export function formatCompareTable(runs: readonly RunResult[], provenance: Provenance): string {
  const base = runs[0];
  if (base === undefined) return '';
  const hasIo = runs.some((r) => r.counts.io.reads + r.counts.io.writes > 0);
  // Requests per second when the trace declares its request syscall (provenance.requestSyscall).
  const hasRequests = runs.some((r) => r.time.requestsPerSecond !== null);
  const requestCols = (r: RunResult): string[] =>
    hasRequests ? [r.feasible && r.time.requestsPerSecond !== null ? r.time.requestsPerSecond.toFixed(1) : 'n/a'] : [];
  const timeCols = (r: RunResult): string[] => {
    if (!hasIo) return requestCols(r);
    const d =
      r.feasible && base.feasible && base.time.elapsedSeconds > 0
        ? (100 * (r.time.elapsedSeconds - base.time.elapsedSeconds)) / base.time.elapsedSeconds
        : null;
    return [
      formatSeconds(r.time.elapsedSeconds),
      r === base ? 'baseline' : d === null ? 'n/a' : formatPercent(d),
      ...requestCols(r),
      formatSeconds(r.time.ioWaitSeconds),
      formatInt(r.counts.pagecache.misses),
    ];
  };
  const rows = runs.map((r) => {
    const o = overheadPercent(r, base);
    const mech = Object.fromEntries(mechanismCycles(r).map((m) => [m.id, m.cycles])) as Record<MechanismId, number>;
    const kmaps = r.counts.kmap.pkmap + r.counts.kmap.atomic + r.counts.kmap.local;
    const low = r.memory.zones.filter((z) => z.name !== 'HighMem').reduce((a, z) => a + z.totalPages, 0);
    return [
      r.configName,
      r.feasible ? 'yes' : 'NO',
      ...timeCols(r),
      formatInt(r.cycles.total),
      r === base ? 'baseline' : o === null ? 'n/a' : formatPercent(o),
      formatInt(r.cycles.breakdown.tlbWalk),
      formatInt(mech.kmap),
      formatInt(mech.userFlush + mech.shootdown),
      formatInt(kmaps),
      formatInt(r.counts.pkmapFlushes),
      formatInt(r.counts.dtlbMisses + r.counts.itlbMisses),
      String(Math.floor(low / 256)),
    ];
  });
  const notes = runs.filter((r) => !r.feasible).map((r) => `${r.configName}: ${r.infeasible.join('; ')}`);
  const head = hasIo ? 'elapsed time (CPU cycles + device waits) leads; "cycles" and "overhead" are CPU cycles only\n' : '';
  return (
    runHeaderText(provenance) +
    head +
    textTable(
      [
        'config',
        'feasible',
        ...(hasIo ? ['elapsed', 'elapsed vs base'] : []),
        ...(hasRequests ? ['requests/s'] : []),
        ...(hasIo ? ['I/O wait', 'cache misses'] : []),
        'cycles',
        'overhead vs base',
        'TLB walk cycles',
        'kmap cycles',
        'other flush+IPI cycles',
        'kmaps',
        'pkmap flushes',
        'TLB misses',
        'lowmem (MB)',
      ],
      rows,
    ) +
    (hasRequests ? `  ${REQUESTS_LEGEND}\n` : '') +
    COMPARE_LEGEND.map((l) => `  ${l}\n`).join('') +
    (notes.length > 0 ? `\ninfeasible:\n${notes.map((n) => `  - ${n}`).join('\n')}\n` : '') +
    identicalRunsNote(runs)
  );
}
