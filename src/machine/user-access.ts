/**
 * User memory references (the replay's hot path): the L1 TLB of the side (instruction fetch or data),
 * then the STLB, then a page walk; a walk that finds no PTE is a page fault, after which the access is
 * retried (a second walk). A store to a present read-only PTE is a copy-on-write fault.
 * An access straddling pages references each page in turn.
 */
import { AccessOp, type RecordBatch } from '../trace/records.ts';
import { Cat } from './accounting.ts';
import { cowFault, pageFault } from './fault.ts';
import type { Machine } from './machine.ts';
import { PTE_WRITE } from './pagetable.ts';
import type { Mm } from './process.ts';
import { PageSizeClass } from './tlb.ts';
import { TlbOutcome, TlbSide } from './tlb-hierarchy.ts';

const LAST_VPN = 0xfffff;

/**
 * One reference to user page `vpn` by `cpu` running `mm`. `fromUser` is false for copies the kernel does
 * (copy_to_user) — their faults pay no extra kernel entry. Returns false when the record must stop.
 */
export function touchUserPage(
  m: Machine,
  cpu: number,
  mm: Mm,
  vpn: number,
  side: TlbSide,
  write: boolean,
  fromUser: boolean,
): boolean {
  const tlb = m.cpus[cpu]!.tlb;
  const vaddr = vpn * 4096;
  const r = tlb.translate(side, vaddr);
  if (r !== TlbOutcome.l1Hit) {
    if (r === TlbOutcome.stlbHit) {
      m.charge(cpu, Cat.tlbWalk, m.stlbHitCost());
    } else {
      m.charge(cpu, Cat.tlbWalk, m.userWalkCost());
      if (mm.pt.get(vpn) === 0) {
        if (!pageFault(m, cpu, mm, vpn, write, fromUser)) return false;
        m.charge(cpu, Cat.tlbWalk, m.userWalkCost());
      }
      tlb.fill(side, vaddr, PageSizeClass.small, false);
    }
  }
  if (write && mm.pt.readOnly > 0) {
    const pte = mm.pt.get(vpn);
    if (pte !== 0 && (pte & PTE_WRITE) === 0) {
      if (!cowFault(m, cpu, mm, vpn, pte, fromUser)) return false;
      if (tlb.translate(side, vaddr) === TlbOutcome.miss) {
        m.charge(cpu, Cat.tlbWalk, m.userWalkCost());
        tlb.fill(side, vaddr, PageSizeClass.small, false);
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
  let last = (addr + (len > 0 ? len : 1) - 1) / 4096;
  last = last > LAST_VPN ? LAST_VPN : Math.floor(last);
  const resume = m.cpus[cpu]!;
  for (let vpn = first + resume.resume; vpn <= last; vpn++) {
    if (vpn * 4096 >= m.shape.taskSize) {
      m.infeasible.skip(
        'user address at or above TASK_SIZE',
        `0x${(vpn * 4096).toString(16)} ≥ TASK_SIZE 0x${m.shape.taskSize.toString(16)} (CPU ${cpu}, pid ${mm.pid})`,
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
 * Access record `i` of `b` on `cpu` when it is the common easy case: the CPU already runs its pid with its
 * mm (ensureRunning would do nothing), nothing to resume, one page below TASK_SIZE, no copy-on-write
 * check due (a load or fetch, or an mm without read-only PTEs), and an L1 TLB hit (which charges
 * nothing). Then it does what execute would — the access counted, the lookup counted and made most
 * recent — and returns true; otherwise it changes nothing and returns false (execute replays it).
 */
export function accessL1Hit(m: Machine, cpu: number, b: RecordBatch, i: number): boolean {
  const c = m.cpus[cpu]!;
  const mm = c.mm;
  const pid = b.pid[i]!;
  if (c.pid !== pid || mm === null || mm.pid !== pid || c.resume !== 0) return false;
  const op = b.op[i]!;
  const addr = b.addr[i]!;
  const len = b.len[i]!;
  const vpn = addr >>> 12;
  if (addr + (len > 0 ? len : 1) - 1 >= (vpn + 1) * 4096 || vpn * 4096 >= m.shape.taskSize) return false;
  if ((op === AccessOp.store || op === AccessOp.modify) && mm.pt.readOnly > 0) return false;
  if (!c.tlb.l1Hit(op === AccessOp.ifetch ? TlbSide.instruction : TlbSide.data, vpn * 4096)) return false;
  m.counts.accesses++;
  return true;
}
