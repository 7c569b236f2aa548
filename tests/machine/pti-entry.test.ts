/**
 * PTI's entry code (costs.ptiTrampoline): every crossing of the user/kernel boundary under PTI — entry and
 * exit of a syscall, of a timer tick — pays it once besides its CR3 write; 4G/4G and native kernels never.
 */
import { describe, expect, it } from 'vitest';
import { EventKind, type TraceRecord } from '../../src/trace/records.ts';
import { constantModel, runRecords } from './helpers.ts';

/** 2,000 getppid calls (the null body) of one process on one CPU, 5,000 cycles of user work apart. */
function loop(): TraceRecord[] {
  const r: TraceRecord[] = [];
  for (let i = 0; i < 2000; i++) {
    r.push({ kind: EventKind.compute, cpu: 0, pid: 1, len: 5000 });
    r.push({ kind: EventKind.syscall, cpu: 0, pid: 1, arg: 64 });
  }
  return r;
}

async function cycles(config: string, trampoline: number) {
  const { result } = await runRecords(loop(), { config, ram: '1G', cpus: 1 }, { model: constantModel({ ptiTrampoline: trampoline }) });
  return result;
}

describe('PTI entry code', () => {
  it('costs ptiTrampoline at each of the two crossings of every syscall and timer tick under PTI, and nothing elsewhere', async () => {
    const without = await cycles('3g1g-pae-pti', 0);
    const withIt = await cycles('3g1g-pae-pti', 50);
    // 2,000 × (5,000 + a few hundred) cycles: one timer tick in either run (the constant model's 2 GHz
    // and HZ 250: a tick every 8 M cycles), so 2 × (2,000 + 1) crossings pay 50 cycles each.
    expect([without.counts.timerTicks, withIt.counts.timerTicks]).toEqual([1, 1]);
    expect(withIt.counts.syscalls).toBe(2000);
    expect(withIt.cycles.total - without.cycles.total).toBe(50 * 2 * (2000 + 1));
    expect(withIt.cycles.breakdown.syscall - without.cycles.breakdown.syscall).toBe(50 * 2 * 2000);
    expect(withIt.cycles.breakdown.timer - without.cycles.breakdown.timer).toBe(50 * 2);
    for (const config of ['4g4g', '3g1g-pae', '3g1g-highmem']) {
      expect((await cycles(config, 50)).cycles.total, config).toBe((await cycles(config, 0)).cycles.total);
    }
  });
});
