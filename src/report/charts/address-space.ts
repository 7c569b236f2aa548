import type { TopLevelSpec } from 'vega-lite';
import type { PositionFieldDef } from 'vega-lite/types_unstable/channeldef.js';
import type { Layout, Region } from '../../layout/types.ts';
import { FOUR_GIB, GiB, MiB, PAGE_SIZE, hex32 } from '../../units/address.ts';
import type { Theme } from '../theme.ts';
import { VEGA_LITE_SCHEMA, messageSpec, type ChartEntry } from './chart.ts';

/**
 * Chart 5, "why HIGHMEM?": for each configuration, its 4 GiB virtual address space (user space, the
 * lowmem direct map, vmalloc, pkmap, fixmap and the other kernel regions of Layout.regions, and the
 * unused gaps) beside its physical RAM split into zones. Lowmem is one colour on both sides — the
 * direct map covers exactly the DMA and Normal zones — and HighMem is the RAM with no permanent kernel
 * mapping, reachable only through kmap. RAM the configuration cannot use at all is shown too.
 * When user and kernel space overlap (4G/4G: separate address spaces) they get separate columns; a
 * 64-bit layout gets the RAM column only.
 */

/** Kinds of segment, in legend order; each has one colour. */
export const SEGMENT_KINDS = [
  'user space',
  'lowmem (direct map)',
  'highmem (kmap only)',
  'vmalloc',
  'pkmap',
  'fixmap and other kernel',
  'unused / guard',
  'RAM not usable',
] as const;
export type SegmentKind = (typeof SEGMENT_KINDS)[number];

const DEFAULT_COLOURS: Readonly<Record<SegmentKind, string>> = {
  'user space': '#a6cee3',
  'lowmem (direct map)': '#1f78b4',
  'highmem (kmap only)': '#ff7f00',
  vmalloc: '#33a02c',
  pkmap: '#e31a1c',
  'fixmap and other kernel': '#6a3d9a',
  'unused / guard': '#eeeeee',
  'RAM not usable': '#999999',
};

/**
 * Print colours: Okabe–Ito (colour-blind safe), chosen so the pair that matters — lowmem (dark blue)
 * and highmem (orange) — also differs strongly in grayscale, and user space stays light.
 */
const PAPER_COLOURS: Readonly<Record<SegmentKind, string>> = {
  'user space': '#d9e6f2',
  'lowmem (direct map)': '#0072b2',
  'highmem (kmap only)': '#e69f00',
  vmalloc: '#009e73',
  pkmap: '#d55e00',
  'fixmap and other kernel': '#cc79a7',
  'unused / guard': '#f2f2f2',
  'RAM not usable': '#7f7f7f',
};

/** Kinds drawn dark enough to need white labels. */
const DARK_KINDS: readonly SegmentKind[] = ['lowmem (direct map)', 'vmalloc', 'RAM not usable'];

/** Classifies a kernel region by its name (Layout.regions names). */
export function regionKind(name: string): SegmentKind {
  const n = name.toLowerCase();
  if (/user/.test(n)) return 'user space';
  if (/lowmem|direct|physmap/.test(n)) return 'lowmem (direct map)';
  if (/vmalloc|module|ioremap/.test(n)) return 'vmalloc';
  if (/pkmap|kmap/.test(n)) return 'pkmap';
  if (/hole|guard|gap|unused/.test(n)) return 'unused / guard';
  return 'fixmap and other kernel';
}

/** One drawn rectangle. Addresses are bytes; `from`/`to` are GiB for the y axis. */
interface Segment {
  config: string;
  column: string;
  name: string;
  kind: SegmentKind;
  from: number;
  to: number;
  /** Middle of the segment, GiB (where its label goes). */
  mid: number;
  start: string;
  end: string;
  size: string;
  label: string;
}


function sizeText(bytes: number): string {
  const mib = bytes / MiB;
  if (mib >= 1024) return `${(mib / 1024).toFixed(2).replace(/\.?0+$/, '')} GB`;
  if (mib >= 1) return `${Math.round(mib)} MB`;
  return `${Math.round(bytes / 1024)} KB`;
}

function addrText(bytes: number): string {
  return bytes >= FOUR_GIB ? `0x${bytes.toString(16).padStart(9, '0')}` : hex32(bytes);
}

function segment(config: string, column: string, name: string, kind: SegmentKind, start: number, end: number, domainGiB: number): Segment {
  const big = (end - start) / GiB >= domainGiB * 0.06;
  return {
    config,
    column,
    name,
    kind,
    from: start / GiB,
    to: end / GiB,
    mid: (start + end) / 2 / GiB,
    start: addrText(start),
    end: addrText(end),
    size: sizeText(end - start),
    // Small segments get no label (an empty text mark draws nothing); the tooltip still names them.
    label: big ? `${name} ${sizeText(end - start)}` : '',
  };
}

/** Fills [from, to) with the regions given (sorted, non-overlapping after clipping) and gaps between. */
function withGaps(config: string, column: string, regions: readonly Region[], from: number, to: number, domainGiB: number): Segment[] {
  const out: Segment[] = [];
  let cursor = from;
  for (const r of [...regions].sort((a, b) => a.start - b.start)) {
    const start = Math.max(r.start, cursor);
    const end = Math.min(r.end, to);
    if (end <= start) continue;
    if (start > cursor) out.push(segment(config, column, 'unused', 'unused / guard', cursor, start, domainGiB));
    out.push(segment(config, column, r.name, regionKind(r.name), start, end, domainGiB));
    cursor = end;
  }
  if (cursor < to) out.push(segment(config, column, 'unused', 'unused / guard', cursor, to, domainGiB));
  return out;
}

/** Segments of one layout: virtual column(s) then the physical column. */
export function layoutSegments(layout: Layout, domainGiB: number): Segment[] {
  const config = layout.config.name;
  const kernelStart = Math.min(layout.pageOffset, ...layout.regions.map((r) => r.start));
  const user: Region = { name: 'user', start: 0, end: layout.taskSize };
  const out: Segment[] = [];
  if (is64Bit(layout)) {
    // A 64-bit address space does not fit the 4 GB picture; its point is that all RAM is direct-mapped,
    // which the RAM column shows.
  } else if (layout.taskSize <= kernelStart) {
    out.push(...withGaps(config, 'virtual', [user, ...layout.regions], 0, FOUR_GIB, domainGiB));
  } else {
    out.push(...withGaps(config, 'user', [user], 0, FOUR_GIB, domainGiB));
    out.push(...withGaps(config, 'kernel', layout.regions, 0, FOUR_GIB, domainGiB));
  }
  let cursor = 0;
  for (const z of layout.zones) {
    const start = z.startPfn * PAGE_SIZE;
    const end = z.endPfn * PAGE_SIZE;
    if (start > cursor) out.push(segment(config, 'RAM', 'hole', 'unused / guard', cursor, start, domainGiB));
    const kind: SegmentKind = z.name === 'HighMem' ? 'highmem (kmap only)' : 'lowmem (direct map)';
    out.push(segment(config, 'RAM', z.name, kind, start, end, domainGiB));
    cursor = Math.max(cursor, end);
  }
  if (layout.config.ramBytes > cursor) {
    out.push(segment(config, 'RAM', 'not usable', 'RAM not usable', cursor, layout.config.ramBytes, domainGiB));
  }
  return out;
}

/** True for a 64-bit layout (x86_64): its addresses lie beyond the 4 GB picture. */
export function is64Bit(layout: Layout): boolean {
  return layout.config.split === 'x86_64' || layout.pageOffset >= FOUR_GIB;
}

/** Chart 5. Without layouts the chart says so (the caller gave none). */
export function addressSpaceChart(layouts: readonly Layout[], theme: Theme): ChartEntry {
  const title = 'Virtual address space and physical RAM';
  const description =
    'Each configuration’s 4 GB virtual address space (left) beside its physical RAM and zones (right), ' +
    'addresses growing upwards. The kernel maps lowmem permanently (same colour on both sides); HighMem ' +
    'has no permanent mapping and is reached only through kmap — that is why HIGHMEM is needed above ~900 MB. ' +
    'A 64-bit configuration shows its RAM only: its address space is far larger than 4 GB and maps all of it.';
  if (layouts.length === 0) {
    return { id: 'address-space', title, description, spec: messageSpec(theme, title, 'No layout was given.') };
  }
  const domainGiB = Math.max(4, ...layouts.map((l) => l.config.ramBytes / GiB));
  const segments = layouts.flatMap((l) => layoutSegments(l, domainGiB));
  const colours = SEGMENT_KINDS.map((k) => (theme.name === 'paper' ? PAPER_COLOURS : DEFAULT_COLOURS)[k]);
  const colWidth = theme.name === 'paper' ? 46 : 70;
  const y = { field: 'from', type: 'quantitative', title: 'address (GB)', scale: { domain: [0, domainGiB], nice: false } } satisfies PositionFieldDef<string>;
  // One panel per configuration (hconcat, not facet: each panel has its own set of columns).
  // Every panel has the same explicit y domain, so the address axes line up.
  const panel = (layout: Layout, first: boolean) => {
    const mine = segments.filter((sg) => sg.config === layout.config.name);
    const columns = [...new Set(mine.map((sg) => sg.column))].sort((a, b) => columnRank(a) - columnRank(b));
    return {
      title: {
        text: layout.config.name,
        fontSize: theme.name === 'paper' ? 8 : 12,
        ...(is64Bit(layout) ? { subtitle: '64-bit: RAM only', subtitleFontSize: theme.name === 'paper' ? 6 : 10 } : {}),
      },
      width: { step: colWidth },
      height: theme.name === 'paper' ? 220 : 420,
      data: { values: mine },
      encoding: {
        x: { field: 'column', type: 'nominal' as const, title: null, sort: columns, axis: { labelAngle: 0, labelLimit: colWidth } },
      },
      layer: [
        {
          mark: { type: 'rect' as const, stroke: 'white', strokeWidth: 0.5 },
          encoding: {
            y: { ...y, axis: first ? {} : null },
            y2: { field: 'to' },
            color: {
              field: 'kind',
              type: 'nominal' as const,
              title: null,
              scale: { domain: [...SEGMENT_KINDS], range: colours },
              legend: { labelLimit: 260 },
            },
            tooltip: [
              { field: 'config', type: 'nominal' as const, title: 'configuration' },
              { field: 'column', type: 'nominal' as const, title: 'space' },
              { field: 'name', type: 'nominal' as const, title: 'region' },
              { field: 'kind', type: 'nominal' as const },
              { field: 'start', type: 'nominal' as const },
              { field: 'end', type: 'nominal' as const, title: 'end (exclusive)' },
              { field: 'size', type: 'nominal' as const },
            ],
          },
        },
        {
          mark: { type: 'text' as const, angle: 270, fontSize: theme.name === 'paper' ? 6 : 10 },
          encoding: {
            color: {
              condition: { test: `indexof(${JSON.stringify(DARK_KINDS)}, datum.kind) >= 0`, value: 'white' },
              value: 'black',
            },
            y: { field: 'mid', type: 'quantitative' as const, scale: y.scale, title: y.title, axis: first ? {} : null },
            text: { field: 'label', type: 'nominal' as const },
          },
        },
      ],
    };
  };
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: title,
      subtitle: ['columns: virtual address space (user | kernel when separate), physical RAM', 'lowmem = direct-mapped; HighMem = reachable through kmap only'],
    },
    config: theme.config,
    spacing: theme.name === 'paper' ? 6 : 14,
    hconcat: layouts.map((l, i) => panel(l, i === 0)),
  };
  return { id: 'address-space', title, description, spec };
}

function columnRank(column: string): number {
  return ['virtual', 'user', 'kernel', 'RAM'].indexOf(column);
}
