/**
 * One record on one CPU: the dispatch by kind (the vocabulary of src/trace/records.ts).
 *
 * Returns true when the record is done (the CPU moves on), false when it must be replayed again later:
 * the CPU went to sleep in kmap() on a full pkmap pool (it resumes where it stopped) — or the replay
 * stopped (`m.stopped`).
 *
 * Explicit kernel records (ftrace imports) carry a frame number: a frame that is lowmem under this
 * configuration costs nothing to map (it is in the direct map) — only a `kaccess` of it goes through the
 * direct map's TLB entry; a highmem frame is mapped with `m.eraApi(record API)` (see Machine.eraApi).
 * A frame at or beyond the end of RAM makes the record infeasible (skipped).
 * What a kernel capture observed (HMT 1.1: faults flagged in an access's `arg`, kmaps with a purpose, a
 * `capture` header) is replayed by observed.ts without deriving it again, as are the user TLB flushes of
 * an HMT 2.1 capture (tlbflush records).
 */
import { AccessFlags, ComputeFlags, EventKind, KMAP_API_NAMES, SyscallFlags, type RecordBatch } from '../trace/records.ts';
import { Cat } from './accounting.ts';
import { contextSwitch, ensureRunning } from './context-switch.ts';
import { kernelTranslate, leaveKernel, mapHigh, touchFrame, unmapHigh } from './kmap/kernel-touch.ts';
import type { Machine } from './machine.ts';
import { execRecord, exitRecord, fileCopy, forkRecord, genericSyscall, kernelMadeCall, mmap, unmapOrProtect } from './syscalls.ts';
import { userAccess } from './user-access.ts';
import { capturedKmap, observedFault, observedTlbFlush } from './observed.ts';
import { timerTicks } from './timer.ts';

/** Checks a frame number of an explicit record; false (and a skip reason) when beyond RAM. */
function frameExists(m: Machine, pfn: number, cpu: number): boolean {
  if (pfn < m.mem.maxPfn) return true;
  m.infeasible.skip('frame beyond RAM', `pfn ${pfn} ≥ max_pfn ${m.mem.maxPfn} (CPU ${cpu})`);
  return false;
}

/** Replays record `i` of `batch` on CPU `cpu`. */
export function execute(m: Machine, cpu: number, b: RecordBatch, i: number): boolean {
  if (m.clocks.timeOf(cpu) >= m.nextTick[cpu]! && !timerTicks(m, cpu)) return false;
  const kind = b.kind[i]!;
  switch (kind) {
    case EventKind.access: {
      const mm = ensureRunning(m, cpu, b.pid[i]!);
      if (mm === null) return false;
      m.counts.accesses++;
      if ((b.arg[i]! & AccessFlags.observedFault) !== 0) return observedFault(m, cpu, mm, b.op[i]!, b.addr[i]!);
      return userAccess(m, cpu, mm, b.op[i]!, b.addr[i]!, b.len[i]!);
    }
    case EventKind.compute:
      // An observed time (HMT 1.1, strace) runs at the model's clock: ns × GHz = cycles.
      m.charge(cpu, Cat.compute, (b.arg[i]! & ComputeFlags.nanoseconds) !== 0 ? Math.round(b.len[i]! * m.model.clockGHz) : b.len[i]!);
      return true;
    case EventKind.switch:
      return contextSwitch(m, cpu, b.pid[i]!);
    case EventKind.syscall: {
      if (ensureRunning(m, cpu, b.pid[i]!) === null) return false;
      if (m.execClosesObserved && (b.op[i]! & SyscallFlags.kernel) !== 0) kernelMadeCall(m, b.pid[i]!, b.arg[i]!, b.addr[i]!);
      else genericSyscall(m, cpu, b.pid[i]!, b.arg[i]!, b.addr[i]!);
      return true;
    }
    case EventKind.read:
    case EventKind.write: {
      const mm = ensureRunning(m, cpu, b.pid[i]!);
      if (mm === null) return false;
      return fileCopy(m, cpu, mm, kind === EventKind.write, b.arg[i]!, b.off[i]!, b.len[i]!, b.addr[i]!);
    }
    case EventKind.mmap: {
      const mm = ensureRunning(m, cpu, b.pid[i]!);
      if (mm === null) return false;
      return mmap(m, cpu, mm, b.op[i]!, b.addr[i]!, b.len[i]!, b.arg[i]!, b.off[i]!) || !m.stopped;
    }
    case EventKind.munmap:
    case EventKind.mprotect: {
      const mm = ensureRunning(m, cpu, b.pid[i]!);
      if (mm === null) return false;
      unmapOrProtect(m, cpu, mm, b.addr[i]!, b.len[i]!, kind === EventKind.munmap);
      return true;
    }
    case EventKind.fork: {
      const mm = ensureRunning(m, cpu, b.pid[i]!);
      if (mm === null) return false;
      if (!forkRecord(m, cpu, mm, b.arg[i]!)) return false;
      m.forkDone(cpu, b.arg[i]!);
      return true;
    }
    case EventKind.exec:
      if (ensureRunning(m, cpu, b.pid[i]!) === null) return false;
      return execRecord(m, cpu, b.pid[i]!);
    case EventKind.exit:
      exitRecord(m, cpu, b.pid[i]!);
      return true;
    case EventKind.kmap: {
      if (b.arg[i]! !== 0 || m.captured !== null) return capturedKmap(m, cpu, b.op[i]!, b.addr[i]!, b.arg[i]!, false);
      const pfn = b.addr[i]!;
      if (!frameExists(m, pfn, cpu) || !m.isHigh(pfn)) return true;
      const api = m.eraApi(KMAP_API_NAMES[b.op[i]!] ?? 'local');
      return mapHigh(m, cpu, pfn, api) >= 0 || m.cpus[cpu]!.state !== 'sleeping';
    }
    case EventKind.kunmap: {
      if (b.arg[i]! !== 0 || m.captured !== null) return capturedKmap(m, cpu, b.op[i]!, b.addr[i]!, b.arg[i]!, true);
      const pfn = b.addr[i]!;
      if (!frameExists(m, pfn, cpu) || !m.isHigh(pfn)) return true;
      const api = m.eraApi(KMAP_API_NAMES[b.op[i]!] ?? 'local');
      unmapHigh(m, cpu, pfn, api === 'pkmap' ? 'pkmap' : api);
      return true;
    }
    case EventKind.kaccess: {
      const pfn = b.addr[i]!;
      if (!frameExists(m, pfn, cpu)) return true;
      const done = kernelAccess(m, cpu, pfn, b.len[i]!);
      leaveKernel(m, cpu);
      return done;
    }
    case EventKind.tlbflush: {
      // pid 0 is the idle task: a lazy-TLB CPU that a shootdown moved to init_mm inside the interrupt. It
      // has no process of its own; the flush acts on whatever mm the CPU holds.
      const pid = b.pid[i]!;
      const mm = pid === 0 ? m.cpus[cpu]!.mm : ensureRunning(m, cpu, pid);
      if (pid !== 0 && mm === null) return false;
      observedTlbFlush(m, cpu, mm, b.op[i]!, b.addr[i]!, b.len[i]!, b.arg[i]!);
      return true;
    }
    default:
      throw new Error(`unknown record kind ${kind} on CPU ${cpu}`);
  }
}

/**
 * Goes on with record `i` of `b` after it paused in its page walk (Machine.paused): the walk only, from
 * where it paused — not what execute does once per record (the timer check, counting an access, the CPU's
 * task, which is already the record's). Returns as execute does.
 */
export function resumePaused(m: Machine, cpu: number, b: RecordBatch, i: number): boolean {
  const kind = b.kind[i]!;
  const mm = m.cpus[cpu]!.mm!;
  if (kind === EventKind.access) return userAccess(m, cpu, mm, b.op[i]!, b.addr[i]!, b.len[i]!);
  return fileCopy(m, cpu, mm, kind === EventKind.write, b.arg[i]!, b.off[i]!, b.len[i]!, b.addr[i]!);
}

/**
 * A `kaccess`: the kernel touches `bytes` of frame `pfn`. A highmem frame mapped right now on this CPU
 * (pkmap slot or kmap_local stack) is reached through that mapping; an unmapped highmem frame gets a
 * transient mapping with the era's page-cache copy API; a lowmem frame goes through the direct map.
 */
function kernelAccess(m: Machine, cpu: number, pfn: number, bytes: number): boolean {
  if (m.isHigh(pfn)) {
    const slot = m.pool?.slotOfPage(pfn) ?? -1;
    let vaddr = slot >= 0 && m.pool!.count[slot]! >= 2 ? m.pkmapAddr(slot) : -1;
    for (let d = m.locals.depth(cpu) - 1; vaddr < 0 && d >= 0; d--) if (m.locals.pfnAt(cpu, d) === pfn) vaddr = m.localAddr(cpu, d);
    if (vaddr < 0) return touchFrame(m, cpu, pfn, m.eraApi('local'), bytes, true);
    kernelTranslate(m, cpu, vaddr, false);
  } else {
    kernelTranslate(m, cpu, m.directMapAddr(pfn), true);
  }
  m.charge(cpu, Cat.copy, m.copyCost(bytes));
  return true;
}
