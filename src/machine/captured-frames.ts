/**
 * Frames of a kernel capture as identities (HMT 1.1 `capture` header).
 *
 * A captured frame number says where *that* box's allocator put a page. Replayed where the zones are
 * the captured box's — the same RAM and the same lowmem/highmem boundary, which is what the allocator's
 * choices depend on (kernel-x86-32.md §4.2) — the frames are used as they are. (HIGHPTE alone moves only
 * page-table pages, whose maps vanish without it: observed.ts.) Under any other layout, each
 * captured frame is allocated anew on first sight by the replay's own allocator, with the class its
 * purpose implies (the kmap record's KmapPurpose): page-cache pages and user pages (clear, copy-on-write)
 * → highuser (HIGHMEM first), page tables → highuser under HIGHPTE, else lowmem; anything else (`other`)
 * is taken for a kernel object → lowmem. So a 2G/2G replay of a 3G/1G capture puts its page-cache pages
 * where a 2G/2G kernel would: in highmem first. The same captured frame keeps its new frame for the rest
 * of the replay (its unmap, later maps).
 */
import { resolveConfig } from '../layout/configs.ts';
import { computeLayout } from '../layout/compute.ts';
import type { Layout } from '../layout/types.ts';
import { KmapPurpose, type TraceHeader } from '../trace/records.ts';
import type { Machine } from './machine.ts';
import { Gfp, PageUse } from './memory.ts';

/** Captured frame → replay frame, allocated on first sight. */
export class CapturedFrames {
  private readonly frames = new Map<number, number>();

  /** @param why why the captured frames cannot be used as they are (for messages and tests). */
  constructor(readonly why: string) {}

  /** The replay frame of captured frame `captured` mapped for `purpose`; −1 when memory ran out. */
  frame(m: Machine, captured: number, purpose: number): number {
    const known = this.frames.get(captured);
    if (known !== undefined) return known;
    const pfn = allocateFor(m, purpose);
    if (pfn >= 0) this.frames.set(captured, pfn);
    return pfn;
  }

  /** Frames allocated so far. */
  get size(): number {
    return this.frames.size;
  }
}

function allocateFor(m: Machine, purpose: number): number {
  switch (purpose) {
    case KmapPurpose.pageCache:
      return m.allocFrame(Gfp.highuser, PageUse.pageCache);
    case KmapPurpose.clear:
    case KmapPurpose.cowCopy:
      return m.allocFrame(Gfp.highuser, PageUse.user);
    case KmapPurpose.pageTable:
      return m.allocFrame(m.config.highpte ? Gfp.highuser : Gfp.kernel, PageUse.pageTables);
    default:
      return m.allocFrame(Gfp.kernel, PageUse.kernel);
  }
}

/** The zones of a layout: what decides where a kernel puts its frames. */
function zonesKey(layout: Layout): string {
  return JSON.stringify(layout.zones.map((z) => [z.name, z.startPfn, z.endPfn]));
}

/**
 * Null when the trace's frames can be used as they are under `config` (no `capture` header, or the same
 * frame layout as the captured box), else the re-allocation table.
 */
export function capturedFramesFor(header: TraceHeader, layout: Layout): CapturedFrames | null {
  const c = header.capture;
  if (c === undefined) return null;
  let captured: Layout;
  try {
    captured = computeLayout(resolveConfig({ config: c.config, kernel: c.kernel, ram: c.ram }));
  } catch {
    return new CapturedFrames(`the captured configuration ${c.config} / ${c.kernel} is unknown here`);
  }
  if (zonesKey(captured) === zonesKey(layout)) return null;
  return new CapturedFrames(`captured on ${c.config} (${c.kernel}, RAM ${c.ram} bytes) with other zones than ${layout.config.name}`);
}
