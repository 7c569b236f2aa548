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
  /** Share of the picture's height the segment takes (0..1): whether its label fits is decided from it. */
  fraction: number;
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

/**
 * One segment [start, end) bytes. `from`/`to`/`mid` are in `unit` bytes (GiB for the whole picture,
 * MiB for the zoom); `fraction` is its share of the picture's height (`domainBytes`).
 */
function segment(
  config: string,
  column: string,
  name: string,
  kind: SegmentKind,
  start: number,
  end: number,
  domainBytes: number,
  unit = GiB,
  wholeBytes = end - start,
): Segment {
  // A region cut by the edge of the picture says how much of it is shown.
  const size = wholeBytes > end - start ? `${sizeText(end - start)} of ${sizeText(wholeBytes)}` : sizeText(end - start);
  return {
    config,
    column,
    name,
    kind,
    from: start / unit,
    to: end / unit,
    mid: (start + end) / 2 / unit,
    start: addrText(start),
    end: addrText(end),
    size,
    // Every segment gets a label here; `fitLabels` empties those that would not fit inside their rectangle
    // (an empty text mark draws nothing; the tooltip still names the region).
    label: `${name} ${size}`,
    fraction: (end - start) / domainBytes,
  };
}

/**
 * Fills [from, to) with the regions given (sorted, non-overlapping after clipping) and gaps between;
 * positions in `unit` bytes; `domain` bytes is the picture's height.
 */
function withGaps(
  config: string,
  column: string,
  regions: readonly Region[],
  from: number,
  to: number,
  domain: number,
  unit = GiB,
): Segment[] {
  const out: Segment[] = [];
  let cursor = from;
  for (const r of [...regions].sort((a, b) => a.start - b.start)) {
    const start = Math.max(r.start, cursor);
    const end = Math.min(r.end, to);
    if (end <= start) continue;
    if (start > cursor) out.push(segment(config, column, 'unused', 'unused / guard', cursor, start, domain, unit));
    out.push(segment(config, column, r.name, regionKind(r.name), start, end, domain, unit, r.end - r.start));
    cursor = end;
  }
  if (cursor < to) out.push(segment(config, column, 'unused', 'unused / guard', cursor, to, domain, unit));
  return out;
}

/** Segments of one layout: virtual column(s) then the physical column. */
export function layoutSegments(layout: Layout, domainGiB: number): Segment[] {
  const config = layout.config.name;
  const kernelStart = Math.min(layout.pageOffset, ...layout.regions.map((r) => r.start));
  const user: Region = { name: 'user', start: 0, end: layout.taskSize };
  const out: Segment[] = [];
  const domainBytes = domainGiB * GiB;
  if (is64Bit(layout)) {
    // A 64-bit address space does not fit the 4 GB picture; its point is that all RAM is direct-mapped,
    // which the RAM column shows.
  } else if (layout.taskSize <= kernelStart) {
    out.push(...withGaps(config, 'virtual', [user, ...layout.regions], 0, FOUR_GIB, domainBytes));
  } else {
    out.push(...withGaps(config, 'user', [user], 0, FOUR_GIB, domainBytes));
    out.push(...withGaps(config, 'kernel', layout.regions, 0, FOUR_GIB, domainBytes));
  }
  let cursor = 0;
  for (const z of layout.zones) {
    const start = z.startPfn * PAGE_SIZE;
    const end = z.endPfn * PAGE_SIZE;
    if (start > cursor) out.push(segment(config, 'RAM', 'hole', 'unused / guard', cursor, start, domainBytes));
    const kind: SegmentKind = z.name === 'HighMem' ? 'highmem (kmap only)' : 'lowmem (direct map)';
    out.push(segment(config, 'RAM', z.name, kind, start, end, domainBytes));
    cursor = Math.max(cursor, end);
  }
  if (layout.config.ramBytes > cursor) {
    out.push(segment(config, 'RAM', 'not usable', 'RAM not usable', cursor, layout.config.ramBytes, domainBytes));
  }
  return out;
}

/**
 * The top of the 4 GB space that the zoom row of chart 5 shows: from 4 MiB below the lowest pkmap (or,
 * without one, fixmap) region of the 32-bit layouts up to 4 GiB, in whole MiB; null when no layout has
 * such a region. pkmap, fixmap and the other small kernel regions are a few MB each: a sliver of the
 * whole picture, but the part the kmap story is about.
 */
export function topWindowStart(layouts: readonly Layout[]): number | null {
  let lowest = Infinity;
  for (const l of layouts) {
    if (is64Bit(l)) continue;
    for (const r of l.regions) if (/pkmap|fixmap/.test(r.name.toLowerCase())) lowest = Math.min(lowest, r.start);
  }
  if (lowest === Infinity) return null;
  return Math.max(0, Math.floor(lowest / MiB) * MiB - 4 * MiB);
}

/** Segments of the kernel (or only virtual) column of a 32-bit layout within [windowStart, 4 GiB), in MiB. */
export function topSegments(layout: Layout, windowStart: number): Segment[] {
  if (is64Bit(layout)) return [];
  const config = layout.config.name;
  const kernelStart = Math.min(layout.pageOffset, ...layout.regions.map((r) => r.start));
  const column = layout.taskSize <= kernelStart ? 'virtual' : 'kernel';
  return withGaps(config, column, layout.regions, windowStart, FOUR_GIB, FOUR_GIB - windowStart, MiB);
}

/**
 * Average advance of a character as a share of the font size, for the fonts the themes name (DejaVu
 * Sans and the serif fallbacks measure 0.55–0.6 em on digits and lower case); 0.62 errs on the side of
 * leaving a label out.
 */
const CHAR_EM = 0.62;

/** Room in px around a label inside its rectangle. */
const LABEL_PAD = 4;

/** Estimated width in px of `text` at `fontPx`. */
export function textWidth(text: string, fontPx: number): number {
  return text.length * fontPx * CHAR_EM;
}

/**
 * Keeps a segment's label only when it fits inside its rectangle: rotated labels (the whole-space row)
 * run along the rectangle's height; level labels (the zoom row) need one line of height and the text's
 * width within the column. A label that does not fit would spill over its neighbours or be cut by the
 * picture's edge; the tooltip still names the region.
 */
export function fitLabels(segments: readonly Segment[], heightPx: number, columnPx: number, fontPx: number, rotated: boolean): Segment[] {
  return segments.map((sg) => {
    const along = sg.fraction * heightPx;
    const fits = rotated
      ? textWidth(sg.label, fontPx) + 2 * LABEL_PAD <= along && fontPx + LABEL_PAD <= columnPx
      : fontPx * 1.2 + LABEL_PAD <= along && textWidth(sg.label, fontPx) + 2 * LABEL_PAD <= columnPx;
    return fits ? sg : { ...sg, label: '' };
  });
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
    'A 64-bit configuration shows its RAM only: its address space is far larger than 4 GB and maps all of it. ' +
    'The second row zooms into the top few MB of each 32-bit kernel space: pkmap, fixmap and their neighbours.';
  if (layouts.length === 0) {
    return { id: 'address-space', title, description, spec: messageSpec(theme, title, 'No layout was given.') };
  }
  const domainGiB = Math.max(4, ...layouts.map((l) => l.config.ramBytes / GiB));
  const segments = layouts.flatMap((l) => layoutSegments(l, domainGiB));
  const colours = SEGMENT_KINDS.map((k) => (theme.name === 'paper' ? PAPER_COLOURS : DEFAULT_COLOURS)[k]);
  const colWidth = theme.name === 'paper' ? 46 : 70;
  const paper = theme.name === 'paper';
  const labelFont = paper ? 6 : 10;
  // One panel per configuration (hconcat, not facet: each panel has its own set of columns).
  // Every panel of a row has the same explicit y domain, so the address axes line up.
  const panel = (
    layout: Layout,
    mine: readonly Segment[],
    y: PositionFieldDef<string> & { scale: { domain: number[]; nice: false } },
    first: boolean,
    height: number,
    step: number,
    labelAngle: number,
  ) => {
    const columns = [...new Set(mine.map((sg) => sg.column))].sort((a, b) => columnRank(a) - columnRank(b));
    return {
      title: {
        text: layout.config.name,
        fontSize: paper ? 8 : 12,
        ...(is64Bit(layout) ? { subtitle: '64-bit: RAM only', subtitleFontSize: paper ? 6 : 10 } : {}),
      },
      width: { step },
      height,
      data: { values: fitLabels(mine, height, step, labelFont, labelAngle !== 0) },
      encoding: {
        x: { field: 'column', type: 'nominal' as const, title: null, sort: columns, axis: { labelAngle: 0, labelLimit: step } },
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
          mark: { type: 'text' as const, angle: labelAngle, fontSize: labelFont },
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
  const whole = {
    field: 'from',
    type: 'quantitative' as const,
    title: 'address (GB)',
    scale: { domain: [0, domainGiB], nice: false as const },
  };
  const wholeRow = {
    hconcat: layouts.map((l, i) =>
      panel(
        l,
        segments.filter((sg) => sg.config === l.config.name),
        whole,
        i === 0,
        paper ? 220 : 420,
        colWidth,
        270,
      ),
    ),
  };
  // The zoom row: the top few MB of each 32-bit configuration's kernel space, where pkmap and fixmap are.
  const windowStart = topWindowStart(layouts);
  const zoomed = windowStart === null ? [] : layouts.filter((l) => !is64Bit(l));
  const rows: object[] = [wholeRow];
  if (windowStart !== null && zoomed.length > 0) {
    const zoom = {
      field: 'from',
      type: 'quantitative' as const,
      title: 'address (MB)',
      scale: { domain: [windowStart / MiB, FOUR_GIB / MiB], nice: false as const },
    };
    rows.push({
      title: {
        text: `Zoom: the top ${(FOUR_GIB - windowStart) / MiB} MB (from ${hex32(windowStart)}), where pkmap and fixmap live`,
        fontSize: paper ? 8 : 12,
      },
      // Wider columns with level labels: the zoomed regions are short but named.
      hconcat: zoomed.map((l, i) => panel(l, topSegments(l, windowStart), zoom, i === 0, paper ? 200 : 360, paper ? 80 : 130, 0)),
    });
  }
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: title,
      subtitle: [
        'columns: virtual address space (user | kernel when separate), physical RAM',
        'lowmem = direct-mapped; HighMem = reachable through kmap only',
      ],
    },
    config: theme.config,
    spacing: paper ? 6 : 14,
    vconcat: rows,
  } as TopLevelSpec;
  return { id: 'address-space', title, description, spec };
}

function columnRank(column: string): number {
  return ['virtual', 'user', 'kernel', 'RAM'].indexOf(column);
}
