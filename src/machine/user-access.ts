/**
 * User memory references (the replay's hot path): the L1 TLB of the side (instruction fetch or data),
 * then the STLB, then a page walk; a walk that finds no PTE is a page fault, after which the access is
 * retried (a second walk). A store to a present read-only PTE is a copy-on-write fault.
 * An access straddling pages references each page in turn.
 */
import { AccessOp, EventKind, type RecordBatch } from '../trace/records.ts';
import { Cat } from './accounting.ts';
import { cowFault, pageFault } from './fault.ts';
import type { Machine } from './machine.ts';
import { PTE_WRITE } from './pagetable.ts';
import type { Mm } from './process.ts';
import { PageSizeClass } from './tlb.ts';
import { TlbOutcome, TlbSide } from './tlb-hierarchy.ts';
import { PAGE_SIZE } from '../units/address.ts';

const LAST_VPN = 0xfffff;

/**
 * One reference to user page `vpn` by `cpu` running `mm`. `fromUser` is false for copies the kernel does
 * (copy_to_user) — their faults pay no extra kernel entry. Returns false when the record must stop.
 */
export function touchUserPage(m: Machine, cpu: number, mm: Mm, vpn: number, side: TlbSide, write: boolean, fromUser: boolean): boolean {
  const tlb = m.cpus[cpu]!.tlb;
  if (mm.pt.get(vpn) !== 0) {
    // Present: no fault can come between the walk and the fill (TlbHierarchy.translateFillSmall).
    const r = tlb.translateFillSmallVpn(side, vpn);
    if (r === TlbOutcome.stlbHit) m.charge(cpu, Cat.tlbWalk, m.stlbHitCost());
    else if (r === TlbOutcome.miss) m.charge(cpu, Cat.tlbWalk, m.userWalkCost());
  } else {
    // Not present: a miss walks, faults the page in, and walks again before the fill.
    const r = tlb.translateVpn(side, vpn);
    if (r === TlbOutcome.stlbHit) {
      m.charge(cpu, Cat.tlbWalk, m.stlbHitCost());
    } else if (r === TlbOutcome.miss) {
      m.charge(cpu, Cat.tlbWalk, m.userWalkCost());
      if (!pageFault(m, cpu, mm, vpn, write, fromUser)) return false;
      m.charge(cpu, Cat.tlbWalk, m.userWalkCost());
      tlb.fillVpn(side, vpn, PageSizeClass.small, false);
    }
  }
  if (write && mm.pt.readOnly > 0) {
    const pte = mm.pt.get(vpn);
    if (pte !== 0 && (pte & PTE_WRITE) === 0) {
      if (!cowFault(m, cpu, mm, vpn, pte, fromUser)) return false;
      if (tlb.translateVpn(side, vpn) === TlbOutcome.miss) {
        m.charge(cpu, Cat.tlbWalk, m.userWalkCost());
        tlb.fillVpn(side, vpn, PageSizeClass.small, false);
      }
    }
  }
  return true;
}

/**
 * An `access` record: `len` bytes at `addr` (0 counts as 1). Pages at or above TASK_SIZE make the record
 * infeasible (skipped). Returns false when the record must stop (the CPU slept or the replay stopped).
 */
export function userAccess(m: Machine, cpu: number, mm: Mm, op: number, addr: number, len: number): boolean {
  const side = op === AccessOp.ifetch ? TlbSide.instruction : TlbSide.data;
  const write = op === AccessOp.store || op === AccessOp.modify;
  const first = addr >>> 12;
  let last = (addr + (len > 0 ? len : 1) - 1) / PAGE_SIZE;
  last = last > LAST_VPN ? LAST_VPN : Math.floor(last);
  const resume = m.cpus[cpu]!;
  const from = first + resume.resume;
  for (let vpn = from; vpn <= last; vpn++) {
    if (m.workLeft <= 0 && vpn > from && m.pauseDue()) {
      resume.resume = vpn - first;
      return false;
    }
    m.workLeft--;
    if (vpn * PAGE_SIZE >= m.shape.taskSize) {
      m.infeasible.skip(
        'user address at or above TASK_SIZE',
        `0x${(vpn * PAGE_SIZE).toString(16)} ≥ TASK_SIZE 0x${m.shape.taskSize.toString(16)} (CPU ${cpu}, pid ${mm.pid})`,
      );
      resume.resume = 0;
      return true;
    }
    if (!touchUserPage(m, cpu, mm, vpn, side, write, true)) {
      resume.resume = vpn - first;
      return false;
    }
  }
  resume.resume = 0;
  return true;
}

/**
 * The records from `i` (before `n`) of `b` on `cpu` that are the common easy case of an access: the CPU
 * already runs the record's pid with its mm (ensureRunning would do nothing), nothing to resume, one page
 * below TASK_SIZE, no copy-on-write check due (a load or fetch, or an mm without read-only PTEs), and an
 * L1 TLB hit (which charges nothing). For each, what execute would do — the access counted, the lookup
 * counted and made most recent. Returns the index of the first record that is not such an access (i when
 * there is none); execute replays that one. Nothing of these records moves a clock, so the driver's
 * horizon and wake checks have nothing to see between them.
 */
export function accessHitRun(m: Machine, cpu: number, b: RecordBatch, i: number, n: number): number {
  const c = m.cpus[cpu]!;
  const mm = c.mm;
  const pid = c.pid;
  if (mm === null || mm.pid !== pid || c.resume !== 0) return i;
  const kinds = b.kind;
  const pids = b.pid;
  const ops = b.op;
  const addrs = b.addr;
  const lens = b.len;
  const args = b.arg;
  const tlb = c.tlb;
  // An L1 hit is a hit in the small-page array of its side: the array's filter answers most of them
  // inline (TlbFilter.hit: the set's most recent entry, nothing to update), the array the rest
  // (Tlb.lookup of the small page). A page the hierarchy knows absent, or one reached through a large entry, goes the
  // general way (execute).
  const l1i = tlb.l1i;
  const l1d = tlb.l1d;
  const fetchFilter = l1i.filter;
  const dataFilter = l1d.filter;
  const taskPages = Math.ceil(m.shape.taskSize / PAGE_SIZE);
  const cowDue = mm.pt.readOnly > 0;
  let fetches = 0;
  let j = i;
  for (; j < n; j++) {
    if (kinds[j] !== EventKind.access || pids[j] !== pid || args[j] !== 0) break; // arg: an observed fault (observed.ts)
    const op = ops[j]!;
    const addr = addrs[j]!;
    const len = lens[j]!;
    const vpn = addr >>> 12;
    if ((addr & (PAGE_SIZE - 1)) + (len > 0 ? len : 1) > PAGE_SIZE || vpn >= taskPages) break;
    if (op === AccessOp.ifetch) {
      if (!fetchFilter.hit(vpn) && l1i.lookup(vpn, PageSizeClass.small) < 0) break;
      fetches++;
      continue;
    }
    if ((cowDue && op !== AccessOp.load) || tlb.knownAbsent(addr)) break;
    if (!dataFilter.hit(vpn) && l1d.lookup(vpn, PageSizeClass.small) < 0) break;
  }
  const hits = j - i;
  tlb.counters.itlbLookups += fetches;
  tlb.counters.dtlbLookups += hits - fetches;
  m.counts.accesses += hits;
  return j;
}
