import { InputError, UsageError } from '../errors.ts';
import { parseAddress } from '../units/size.ts';
import { hex32, MiB, PAGE_SIZE } from '../units/address.ts';
import { EventKind, TlbFlushFlags, type RecordBatch, type TraceRecord, type TraceSink, USER_ADDRESS_KINDS } from './records.ts';
import { allocateBatch, hasPushBatch, type BatchSink } from './batch.ts';
import { openTrace } from './hmt/reader.ts';
import { openTraceWriter } from './hmt/writer.ts';

/**
 * Relocation: moving user addresses of a trace so it fits a 32-bit x86 user address space.
 *
 * Why: a trace recorded on a 64-bit host has 64-bit mmap/brk/stack addresses (strace), and even a 32-bit
 * program run there (lackey) has its stack just below 4 GiB — above TASK_SIZE of every 32-bit split
 * (3G, 2.75G, 2G, 1.875G, 1G). Relocation rewrites the `addr` of every record that carries a user virtual
 * address (access, read, write, mmap, munmap, mprotect); kernel records (kmap/kunmap/kaccess carry pfns)
 * and all other columns are untouched.
 *
 * Rules (`--relocate`, comma-separated or repeated; the first rule that covers an address wins):
 * - `stack=TOP` — the 32-bit top region [0xc0000000, 4 GiB) moves down so that 4 GiB lands at TOP
 *   (new = addr − 4 GiB + TOP): a stack that ended 18 MiB below 4 GiB ends 18 MiB below TOP.
 * - `FROM-TO=BASE` — the range [FROM, TO) (TO exclusive; 0x100000000 allowed) moves so that FROM lands
 *   at BASE; offsets inside the range are kept.
 * - `auto` or `auto=BASE` (default BASE 0x00400000) — compaction: every distinct 1 MiB granule of the
 *   source address space not covered by an earlier rule gets the next free 1 MiB granule from BASE up, in
 *   order of first appearance. Offsets inside a granule are kept, and granules first seen together (one
 *   mmap) stay adjacent, so mappings stay contiguous. Deterministic: same input, same layout.
 * - `none` — no rule (addresses must already fit 32 bits).
 * Addresses no rule covers are kept; one that is still ≥ 4 GiB is an error naming the record.
 *
 * The report lists the resulting regions (runs of touched 1 MiB granules) and, for each split, the
 * regions above its TASK_SIZE.
 */

/** One relocation rule (see the module comment). */
export type RelocationRule =
  | { readonly kind: 'stack'; readonly top: number }
  | { readonly kind: 'range'; readonly from: number; readonly to: number; readonly base: number }
  | { readonly kind: 'auto'; readonly base: number };

/** A parsed `--relocate` value. */
export interface RelocationSpec {
  readonly rules: readonly RelocationRule[];
  /** The text it was parsed from (for provenance). */
  readonly text: string;
}

/** The 32-bit user splits and their TASK_SIZE (kernel-x86-32.md §1). */
export const SPLITS: ReadonlyArray<{ readonly name: string; readonly taskSize: number }> = [
  { name: '3G', taskSize: 0xc0000000 },
  { name: '3G_OPT', taskSize: 0xb0000000 },
  { name: '2G', taskSize: 0x80000000 },
  { name: '2G_OPT', taskSize: 0x78000000 },
  { name: '1G', taskSize: 0x40000000 },
];

/** Start of the region `stack=` moves: everything at or above 3 GiB of a 32-bit source. */
export const STACK_REGION_START = 0xc0000000;
/** Size of the compaction granule and of the regions the report lists. */
export const GRANULE = MiB;
/** Default base of `auto` compaction (above the first 4 MiB, like an x86 executable). */
export const AUTO_DEFAULT_BASE = 0x00400000;
const FOUR_GIB = 2 ** 32;
const GRANULES_32 = FOUR_GIB / GRANULE;

/** The text `--relocate` accepts, for help and error messages. */
export const RELOCATE_SYNTAX = "stack=TOP, FROM-TO=BASE, auto[=BASE] or none (comma-separated), e.g. 'stack=0xc0000000'";

/** The relocation an importer uses when the user gives none: `auto` for 64-bit sources (strace). */
export function defaultRelocationFor(format: string): string | undefined {
  return format === 'strace' ? 'auto' : undefined;
}

/**
 * Parses `--relocate` values (each may hold several comma-separated rules).
 * @example parseRelocation(['stack=0x40000000']).rules[0] // { kind: 'stack', top: 0x40000000 }
 */
export function parseRelocation(values: string | readonly string[]): RelocationSpec {
  const texts = (typeof values === 'string' ? [values] : [...values])
    .flatMap((v) => v.split(','))
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const rules: RelocationRule[] = [];
  for (const t of texts) {
    if (t === 'none') continue;
    const what = `--relocate '${t}'`;
    const stack = /^stack=(.+)$/.exec(t);
    const auto = /^auto(?:=(.+))?$/.exec(t);
    const range = /^([0-9a-fA-Fx]+)-([0-9a-fA-Fx]+)=(.+)$/.exec(t);
    if (stack !== null) {
      rules.push({ kind: 'stack', top: checkTop(what, parseAddress(what, stack[1]!)) });
    } else if (auto !== null) {
      const base = auto[1] === undefined ? AUTO_DEFAULT_BASE : parseAddress(what, auto[1]);
      if (base % GRANULE !== 0 || base >= FOUR_GIB)
        throw new UsageError(`${what}: base ${hex(base)} must be a multiple of 1 MiB below 4 GiB`);
      rules.push({ kind: 'auto', base });
    } else if (range !== null) {
      const from = parseAddress(what, range[1]!);
      const to = parseAddress(what, range[2]!);
      const base = parseAddress(what, range[3]!);
      if (to <= from) throw new UsageError(`${what}: the range end ${hex(to)} must be above its start ${hex(from)}`);
      if (base + (to - from) > FOUR_GIB)
        throw new UsageError(`${what}: the moved range would end at ${hex(base + to - from)}, above 4 GiB`);
      rules.push({ kind: 'range', from, to, base });
    } else {
      throw new UsageError(`${what}: not a relocation rule (expected ${RELOCATE_SYNTAX})`);
    }
  }
  if (rules.filter((r) => r.kind === 'auto').length > 1) throw new UsageError(`--relocate: 'auto' may be given once`);
  return { rules, text: texts.join(',') };
}

function checkTop(what: string, top: number): number {
  if (top % 4096 !== 0 || top > FOUR_GIB || top < FOUR_GIB - STACK_REGION_START) {
    throw new UsageError(`${what}: the new stack top ${hex(top)} must be page-aligned and in [0x40000000, 0x100000000]`);
  }
  return top;
}

/** An address mapper (address → new address, −1 when it does not fit) that can also map whole ranges. */
export interface RangeMapper {
  (address: number): number;
  /** Maps [addr, addr + len) keeping it contiguous where it can; returns the new start or −1. */
  range: (addr: number, len: number) => number;
}

/** A run of touched 1 MiB granules after relocation. */
export interface RelocatedRegion {
  /** First byte (granule-aligned). */
  readonly start: number;
  /** Exclusive end (granule-aligned). */
  readonly end: number;
}

/** Whether the relocated trace fits one split. */
export interface SplitFit {
  readonly split: string;
  readonly taskSize: number;
  readonly fits: boolean;
  /** Regions that reach above TASK_SIZE. */
  readonly outside: readonly RelocatedRegion[];
}

/** What relocation did, for the import summary and `--json`. */
export interface RelocationReport {
  readonly spec: string;
  /** Records whose address a rule changed. */
  readonly moved: number;
  /** Distinct source granules `auto` compacted. */
  readonly compactedGranules: number;
  /** Ranges (mmap/munmap/...) whose granules `auto` could not keep contiguous. */
  readonly splitRanges: number;
  /** Highest relocated user address touched (inclusive), or −1 when the trace has no user address. */
  readonly maxAddress: number;
  readonly regions: readonly RelocatedRegion[];
  readonly splits: readonly SplitFit[];
}

/**
 * USER_ADDRESS_KINDS as a set; `len` is their extent in bytes (0 for an access of unknown size), a
 * tlbflush's in pages (userExtent). A tlbflush's `addr` is an address only when its addressKnown flag is
 * set (carriesUserAddress).
 */
const USER_ADDRESS: ReadonlySet<number> = new Set<number>(USER_ADDRESS_KINDS);

/** The bytes from a user-address record's `addr` that relocation must keep together. */
export function userExtent(kind: number, len: number): number {
  return kind === EventKind.tlbflush ? len * PAGE_SIZE : len;
}

/** True when records of this kind carry a user virtual address in `addr`. */
export function hasUserAddress(kind: number): boolean {
  return USER_ADDRESS.has(kind);
}

/** True when this record's `addr` is a user virtual address (a tlbflush's only with addressKnown). */
function carriesUserAddress(kind: number, arg: number): boolean {
  return USER_ADDRESS.has(kind) && (kind !== EventKind.tlbflush || (arg & TlbFlushFlags.addressKnown) !== 0);
}

/** Applies a RelocationSpec to addresses, one record at a time, and remembers what it touched. */
export class Relocator {
  private readonly explicit: readonly (RelocationRule & { kind: 'stack' | 'range' })[];
  private readonly auto: (RelocationRule & { kind: 'auto' }) | undefined;
  /** Source granule → target granule index (counted from the auto base). */
  private readonly granules = new Map<number, number>();
  private cursor = 0;
  private readonly touched = new Uint8Array(GRANULES_32);
  private moved = 0;
  private splitRanges = 0;
  private maxAddress = -1;
  private recordIndex = 0;

  constructor(readonly spec: RelocationSpec) {
    this.explicit = spec.rules.filter((r): r is RelocationRule & { kind: 'stack' | 'range' } => r.kind !== 'auto');
    this.auto = spec.rules.find((r): r is RelocationRule & { kind: 'auto' } => r.kind === 'auto');
  }

  /**
   * The relocated start of the user range [addr, addr + len) (len 0: one byte), or −1 when the result
   * does not fit 32 bits. Every 1 MiB granule of the range is mapped in ascending order, so `auto` keeps
   * a fresh range contiguous.
   */
  map(addr: number, len: number): number {
    const extent = Math.max(len, 1);
    let out = addr;
    const rule = this.explicit.find((r) => covers(r, addr));
    if (rule) out = rule.kind === 'stack' ? addr - FOUR_GIB + rule.top : addr - rule.from + rule.base;
    else if (this.auto) out = this.compact(addr, extent);
    const last = out + extent - 1;
    if (out < 0 || last >= FOUR_GIB) return -1;
    if (out !== addr) this.moved++;
    const lastGranule = Math.floor(last / GRANULE);
    for (let g = Math.floor(out / GRANULE); g <= lastGranule; g++) this.touched[g] = 1;
    if (last > this.maxAddress) this.maxAddress = last;
    return out;
  }

  /**
   * A mapper for importers (`ImportOptions.mapAddress`): called with an address it maps one byte; its
   * `range` method maps a whole user range (what importers of ranges, such as strace, use). −1: no fit.
   */
  addressMapper(): RangeMapper {
    const mapper = ((address: number) => this.map(address, 0)) as RangeMapper;
    mapper.range = (addr, len) => this.map(addr, len);
    return mapper;
  }

  /** Like `map`, but a result that does not fit is a UserError naming the record (index and kind). */
  relocate(kind: number, addr: number, len: number): number {
    const index = this.recordIndex++;
    const out = this.map(addr, len);
    if (out >= 0) return out;
    throw new InputError(`record ${index + 1} (${kindName(kind)}): ${this.explainMisfit(addr, len)}`);
  }

  /** "user address 0x… does not fit 32 bits (use --relocate …)" for messages. */
  explainMisfit(addr: number, len: number): string {
    return (
      `user address ${hex(addr)}${len > 0 ? ` length ${len}` : ''} does not fit 32 bits` +
      (this.spec.rules.length === 0 ? ` (use --relocate auto, or ${RELOCATE_SYNTAX})` : ` after --relocate '${this.spec.text}'`)
    );
  }

  /** `auto`: maps every granule of [addr, addr + extent) and returns the new start. */
  private compact(addr: number, extent: number): number {
    const base = this.auto!.base;
    const first = Math.floor(addr / GRANULE);
    const last = Math.floor((addr + extent - 1) / GRANULE);
    let previous = -1;
    let contiguous = true;
    for (let g = first; g <= last; g++) {
      let t = this.granules.get(g);
      if (t === undefined) {
        t = this.cursor++;
        if (base + this.cursor * GRANULE > FOUR_GIB) {
          throw new UsageError(
            `--relocate auto: the trace touches more distinct 1 MiB regions ` +
              `than fit between ${hex(base)} and 4 GiB (${this.cursor - 1} so far)`,
          );
        }
        this.granules.set(g, t);
      }
      if (previous >= 0 && t !== previous + 1) contiguous = false;
      previous = t;
    }
    if (!contiguous) this.splitRanges++;
    return base + this.granules.get(first)! * GRANULE + (addr % GRANULE);
  }

  /** What was done so far, with the fit of each split. */
  report(): RelocationReport {
    const regions: RelocatedRegion[] = [];
    for (let g = 0; g < GRANULES_32; g++) {
      if (this.touched[g] === 0) continue;
      let e = g;
      while (e + 1 < GRANULES_32 && this.touched[e + 1] === 1) e++;
      regions.push({ start: g * GRANULE, end: (e + 1) * GRANULE });
      g = e;
    }
    const splits = SPLITS.map(({ name, taskSize }) => {
      const outside = regions.filter((r) => r.end > taskSize);
      return { split: name, taskSize, fits: this.maxAddress < taskSize, outside };
    });
    return {
      spec: this.spec.text === '' ? 'none' : this.spec.text,
      moved: this.moved,
      compactedGranules: this.granules.size,
      splitRanges: this.splitRanges,
      maxAddress: this.maxAddress,
      regions,
      splits,
    };
  }
}

function covers(rule: RelocationRule & { kind: 'stack' | 'range' }, addr: number): boolean {
  if (rule.kind === 'stack') return addr >= STACK_REGION_START && addr < FOUR_GIB;
  return addr >= rule.from && addr < rule.to;
}

/**
 * A sink that relocates user addresses on the way to `sink`. Keeps the batch fast path when `sink`
 * has one (batches are copied, never modified in place).
 */
export function relocatingSink(sink: TraceSink, relocator: Relocator): TraceSink {
  const push = (r: TraceRecord): void => {
    if (r.addr !== undefined && carriesUserAddress(r.kind, r.arg ?? 0)) {
      sink.push({ ...r, addr: relocator.relocate(r.kind, r.addr, userExtent(r.kind, r.len ?? 0)) });
    } else sink.push(r);
  };
  if (!hasPushBatch(sink)) return { push, close: () => sink.close() };
  let copy = allocateBatch(0, 0);
  const batchSink: BatchSink = {
    push,
    close: () => sink.close(),
    pushBatch(batch: RecordBatch): void {
      if (copy.kind.length < batch.length || copy.cpu !== batch.cpu)
        copy = allocateBatch(batch.cpu, Math.max(batch.length, copy.kind.length));
      const n = batch.length;
      copy.length = n;
      copy.kind.set(batch.kind.subarray(0, n));
      copy.op.set(batch.op.subarray(0, n));
      copy.pid.set(batch.pid.subarray(0, n));
      copy.len.set(batch.len.subarray(0, n));
      copy.arg.set(batch.arg.subarray(0, n));
      copy.off.set(batch.off.subarray(0, n));
      copy.time.set(batch.time.subarray(0, n));
      for (let i = 0; i < n; i++) {
        const k = batch.kind[i]!;
        const a = batch.addr[i]!;
        copy.addr[i] = carriesUserAddress(k, batch.arg[i]!) ? relocator.relocate(k, a, userExtent(k, batch.len[i]!)) : a;
      }
      sink.pushBatch(copy);
    },
  };
  return batchSink;
}

/** The report as text lines (for the import summary on stderr/stdout). */
export function formatRelocationReport(r: RelocationReport): string[] {
  const lines = [
    `relocation: ${r.spec} — ${r.moved} records moved` +
      (r.compactedGranules > 0 ? `, ${r.compactedGranules} MiB-granules compacted` : '') +
      (r.splitRanges > 0 ? `, ${r.splitRanges} ranges not kept contiguous` : ''),
    `user regions: ${r.regions.length === 0 ? 'none' : r.regions.map((g) => `${hex32(g.start)}-${hex32(g.end)}`).join(' ')}` +
      (r.maxAddress >= 0 ? ` (highest address ${hex32(r.maxAddress)})` : ''),
  ];
  for (const s of r.splits) {
    lines.push(
      s.fits
        ? `  fits ${s.split} (TASK_SIZE ${hex32(s.taskSize)})`
        : `  does not fit ${s.split} ` +
            `(TASK_SIZE ${hex32(s.taskSize)}): ${s.outside.map((g) => `${hex32(g.start)}-${hex32(g.end)}`).join(' ')}`,
    );
  }
  return lines;
}

function kindName(kind: number): string {
  return (Object.keys(EventKind) as (keyof typeof EventKind)[]).find((k) => EventKind[k] === kind) ?? `kind ${kind}`;
}

function hex(n: number): string {
  return '0x' + n.toString(16);
}

/**
 * Relocates an existing HMT trace into a new one (bounded memory: batch by batch), e.g. a 32-bit lackey
 * trace imported without `--relocate`. The header is kept, with `relocate` added to its provenance.
 * @returns what the relocation did (regions, fit per split)
 */
export async function relocateTrace(inputPath: string, outputPath: string, spec: RelocationSpec): Promise<RelocationReport> {
  const input = await openTrace(inputPath);
  const h = input.header;
  const writer = await openTraceWriter(outputPath, {
    source: h.source,
    cpus: h.cpus,
    addressBits: h.addressBits,
    pageSize: h.pageSize,
    provenance: { ...h.provenance, relocate: spec.text === '' ? 'none' : spec.text },
    ...(h.capture !== undefined ? { capture: h.capture } : {}),
    ...(h.observed !== undefined ? { observed: h.observed } : {}),
  });
  const relocator = new Relocator(spec);
  const sink = relocatingSink(writer, relocator);
  try {
    for await (const batch of input.batches()) (sink as BatchSink).pushBatch(batch);
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return relocator.report();
}
