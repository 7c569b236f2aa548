/**
 * The kernel's own TLB footprint (DESIGN.md "The kernel's TLB footprint"): every kernel path — syscall
 * entry and exit, the body of each modelled syscall, a page fault, the timer interrupt, a context switch,
 * a TLB-flush IPI — needs translations of kernel text, static data, the per-CPU area and stacks. They go
 * through the CPU's TLBs like user pages (TlbHierarchy.translate / fill): a miss is a walk, charged as
 * tlbWalk, and the entries then compete with the user's for the same arrays.
 *
 * Which translations a path needs comes from the kernel profile's footprint file
 * (models/kernels/footprints/<profile>.json, derived from the real System.map by
 * scripts/kernel-footprint.ts; profiles without a System.map borrow one, and say so; a profile with no
 * footprint file at all — a custom one — borrows the Debian 6.1 build of its PAE-ness):
 * - static entries: offsets from _text (at PAGE_OFFSET + 16 MiB) of text (instruction side) and static
 *   data (data side), each a large-page translation below `largeBelow` and a 4 KiB one above it;
 * - dynamic entries: the entry stack and TSS (cpu_entry_area, or the 4G/4G trampoline), the CPU's
 *   per-CPU area and the running task's kernel stack, all but the first in the large-page direct map.
 *
 * Which of them survive a CR3 write (the global bit):
 * - native 3G/1G-style kernels: all of them (every kernel mapping is global);
 * - PTI without PCID: kernel text and rodata (_text .. __end_rodata_aligned, pti_clone_kernel_text:
 *   commit 8c06c7740d19) and the cpu_entry_area; data, per-CPU area and stacks are not;
 * - 4G/4G: only the shared top-16-MB trampoline (entry code, entry stack, TSS/GDT): the kernel's own
 *   address space overlaps user space, so nothing else may be global;
 * - x86_64: kernel entries live under a PCID no mm uses (kernel-touch.ts KERNEL_PCID).
 */
import { rootPath } from '../package-root.ts';
import { readJsonFile } from '../io/json.ts';
import { existsSync } from 'node:fs';
import { sep } from 'node:path';
import { InputError } from '../errors.ts';
import { Cat } from './accounting.ts';
import type { Machine } from './machine.ts';
import { PageSizeClass } from './tlb.ts';
import { TlbOutcome, TlbSide } from './tlb-hierarchy.ts';
import { PAGE_SHIFT, PAGE_SIZE } from '../units/address.ts';

/** Directory of the footprint files. */
export const FOOTPRINT_DIR: string = rootPath('models', 'kernels', 'footprints') + sep;

/** The kernel paths with a footprint, by index. */
export const KPath = {
  entry: 0,
  null: 1,
  read: 2,
  write: 3,
  mmap: 4,
  munmap: 5,
  fork: 6,
  exec: 7,
  exit: 8,
  pageFault: 9,
  timer: 10,
  contextSwitch: 11,
  ipi: 12,
} as const;
export type KPath = (typeof KPath)[keyof typeof KPath];
const PATH_NAMES = Object.keys(KPath) as Array<keyof typeof KPath>;

/** Dynamic objects a path touches. */
type Dynamic = 'entryStack' | 'percpu' | 'stack';

/** One path as read from a footprint file. */
export interface FootprintPathData {
  readonly text: readonly string[];
  readonly data: readonly string[];
  readonly dynamic: readonly Dynamic[];
}

/** A footprint file, resolved (a borrowing file replaced by the file it borrows from). */
export interface FootprintData {
  readonly kernel: string;
  /** The profile whose System.map this is, when it is not the profile's own. */
  readonly borrowedFrom: string | null;
  readonly hz: number;
  readonly largeBelow: number;
  readonly entryText: readonly [number, number];
  readonly ptiGlobalEnd: number | null;
  readonly paths: Readonly<Record<string, FootprintPathData>>;
}

const cache = new Map<string, FootprintData>();

function readJson(name: string): Record<string, unknown> | null {
  const path = `${FOOTPRINT_DIR}${name}.json`;
  if (!existsSync(path)) return null;
  return readJsonFile(path, `models/kernels/footprints/${name}.json`, 'a JSON kernel footprint') as Record<string, unknown>;
}

/** The footprint a profile without a file of its own uses: the Debian 6.1 build of its PAE-ness. */
const FALLBACK = { pae: 'debian-6.1-686-pae', nonPae: 'debian-6.1-686' };

/** The footprint of kernel profile `name` (for a PAE or non-PAE configuration when it is borrowed). */
export function loadFootprint(name: string, pae: boolean): FootprintData {
  const key = `${name}|${pae}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  // A profile without a footprint file of its own (a custom profile) borrows the 6.1 one, HZ included.
  const own = readJson(name) ?? { borrowedFrom: FALLBACK };
  let file = own;
  let borrowedFrom: string | null = null;
  const borrow = own['borrowedFrom'] as { pae: string; nonPae: string } | undefined;
  if (borrow !== undefined) {
    borrowedFrom = pae ? borrow.pae : borrow.nonPae;
    const lent = readJson(borrowedFrom);
    if (lent === null)
      throw new InputError(`models/kernels/footprints/${name}.json: borrows from ${borrowedFrom}, which has no footprint file`);
    file = lent;
  }
  const hz = ((own['hz'] ?? file['hz']) as { value: number }).value;
  const num = (s: unknown): number => Number.parseInt(String(s), 16);
  const entry = file['entryText'] as [string, string];
  const out: FootprintData = {
    kernel: name,
    borrowedFrom,
    hz,
    largeBelow: num(file['largeBelow']),
    entryText: [num(entry[0]), num(entry[1])],
    ptiGlobalEnd: file['ptiGlobalEnd'] === null ? null : num(file['ptiGlobalEnd']),
    paths: file['paths'] as Record<string, FootprintPathData>,
  };
  cache.set(key, out);
  return out;
}

const F_DATA = 1;
const F_LARGE = 2;
const F_GLOBAL = 4;
const D_ENTRY_STACK = 0;
const D_PERCPU = 1;
const D_STACK = 2;
const DYN_CODES: Record<Dynamic, number> = { entryStack: D_ENTRY_STACK, percpu: D_PERCPU, stack: D_STACK };

/** Physical page of CPU 0's per-CPU area: the first chunk sits right after the image (bss ends ~31 MiB): estimate. */
const PERCPU_PFN = 0x2000;
/** Pages per CPU between per-CPU areas (estimate; only the large page they fall in matters). */
const PERCPU_STRIDE = 64;
/** _text's physical page (CONFIG_PHYSICAL_START 0x1000000). */
const TEXT_PFN = 0x1000;
/** PCID of the x86_64 reference's kernel entries (kernel-touch.ts). */
const KERNEL_PCID = 7;

/** A path compiled for one machine: 4 KiB page numbers and flags of its static translations, its dynamic objects. */
interface CompiledPath {
  readonly vpn: Int32Array;
  readonly flags: Uint8Array;
  readonly dynamic: Uint8Array;
}

/** The footprint of one machine's kernel, compiled for its configuration. */
export class KernelFootprint {
  readonly data: FootprintData;
  /** Cycles between timer interrupts on one CPU (clock / HZ). */
  readonly tickPeriod: number;
  private readonly paths: CompiledPath[];
  private readonly percpuGlobal: boolean;
  private readonly trampolineGlobal: boolean;
  private readonly trampolineBase: number;

  constructor(m: Machine) {
    const data = loadFootprint(m.config.kernel.name, m.config.pae);
    this.data = data;
    this.tickPeriod = Math.round((m.model.clockGHz * 1e9) / data.hz);
    const native = m.shape.kernelGlobal;
    const fourG = m.config.split === '4G4G';
    this.percpuGlobal = native;
    this.trampolineGlobal = true;
    // Entry stack and TSS: the cpu_entry_area just below the fixmap (or the 4G/4G trampoline).
    this.trampolineBase = m.layout.fixaddrStart - 0x100000;
    const globalOf = (off: number): boolean => {
      if (native) return true;
      if (fourG) return off >= data.entryText[0] && off < data.entryText[1];
      return data.ptiGlobalEnd !== null && off < data.ptiGlobalEnd;
    };
    this.paths = PATH_NAMES.map((name) => {
      const p = data.paths[name];
      if (p === undefined) throw new InputError(`models/kernels/footprints/${data.borrowedFrom ?? data.kernel}.json: no path '${name}'`);
      const offs = [
        ...p.text.map((s) => [Number.parseInt(s, 16), 0] as const),
        ...p.data.map((s) => [Number.parseInt(s, 16), F_DATA] as const),
      ];
      const vpn = new Int32Array(offs.length);
      const flags = new Uint8Array(offs.length);
      offs.forEach(([off, side], i) => {
        vpn[i] = m.directMapAddr(TEXT_PFN + Math.floor(off / PAGE_SIZE)) >>> PAGE_SHIFT;
        flags[i] = side | (off < data.largeBelow ? F_LARGE : 0) | (globalOf(off) ? F_GLOBAL : 0);
      });
      return { vpn, flags, dynamic: Uint8Array.from(p.dynamic.map((d) => DYN_CODES[d])) };
    });
  }

  /** Path `path`'s kernel references on `cpu`: each translation looked up, walked and filled on a miss. */
  touch(m: Machine, cpu: number, path: KPath): void {
    const p = this.paths[path]!;
    const c = m.cpus[cpu]!;
    const tlb = c.tlb;
    const pcid = m.shape.pcid;
    const userPcid = pcid ? tlb.l1d.pcid : -1;
    if (pcid) tlb.setPcid(KERNEL_PCID);
    const { vpn, flags } = p;
    for (let i = 0; i < vpn.length; i++) {
      const f = flags[i]!;
      this.ref(
        m,
        cpu,
        (f & F_DATA) !== 0 ? TlbSide.data : TlbSide.instruction,
        vpn[i]!,
        (f & F_LARGE) !== 0,
        (f & F_GLOBAL) !== 0 && !pcid,
      );
    }
    const dyn = p.dynamic;
    for (let i = 0; i < dyn.length; i++) {
      const d = dyn[i]!;
      if (d === D_ENTRY_STACK) {
        this.ref(m, cpu, TlbSide.data, (this.trampolineBase - cpu * PAGE_SIZE) >>> PAGE_SHIFT, false, this.trampolineGlobal && !pcid);
      } else {
        const stack = d === D_STACK ? (c.mm?.stackPfns[0] ?? -1) : -1;
        const pfn = stack >= 0 ? stack : PERCPU_PFN + cpu * PERCPU_STRIDE;
        this.ref(m, cpu, TlbSide.data, m.directMapAddr(pfn) >>> PAGE_SHIFT, true, this.percpuGlobal && !pcid);
      }
    }
    if (pcid) tlb.setPcid(userPcid);
  }

  /** One kernel reference to 4 KiB page `vpn` (a page number: see TlbHierarchy translateVpn). */
  private ref(m: Machine, cpu: number, side: TlbSide, vpn: number, large: boolean, global: boolean): void {
    const tlb = m.cpus[cpu]!.tlb;
    const r = tlb.translateVpn(side, vpn);
    if (r === TlbOutcome.l1Hit) return;
    if (r === TlbOutcome.stlbHit) {
      m.charge(cpu, Cat.tlbWalk, m.stlbHitCost());
      return;
    }
    m.charge(cpu, Cat.tlbWalk, m.kernelWalkCost(large));
    tlb.fillVpn(side, vpn, large ? PageSizeClass.large : PageSizeClass.small, global);
  }
}
