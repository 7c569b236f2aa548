/**
 * The kernel's TLB footprint: kernel paths' translations go through the TLBs like user pages, global ones
 * survive CR3 writes, and so PTI and 4G/4G cost what their mechanisms imply on a null-syscall loop.
 * Expected numbers are derived here from the footprint file (the real 6.1 System.map) and the global-bit
 * rules of kernel-footprint.ts, with the integer constants of constantModel().
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EventKind, AccessOp, type TraceRecord } from '../../src/trace/records.ts';
import { constantModel, runRecords } from './helpers.ts';

const FOOTPRINT = JSON.parse(readFileSync(new URL('../../models/kernels/footprints/debian-6.1-686-pae.json', import.meta.url), 'utf8')) as {
  entryText: [string, string];
  ptiGlobalEnd: string;
  hz: { value: number };
  paths: Record<string, { text: string[]; data: string[]; dynamic: string[] }>;
};
const hex = (s: string): number => Number.parseInt(s, 16);

/** `calls` iterations of: ifetch of the loop's page, a load of one data page, getppid (i386 64). */
function nullLoop(calls: number, compute = 0): TraceRecord[] {
  const r: TraceRecord[] = [];
  for (let i = 0; i < calls; i++) {
    r.push({ kind: EventKind.access, cpu: 0, pid: 100, op: AccessOp.ifetch, addr: 0x08048000, len: 4 });
    if (compute > 0) r.push({ kind: EventKind.compute, cpu: 0, pid: 100, len: compute });
    r.push({ kind: EventKind.access, cpu: 0, pid: 100, op: AccessOp.load, addr: 0x10000000, len: 4 });
    r.push({ kind: EventKind.syscall, cpu: 0, pid: 100, arg: 64 });
  }
  return r;
}

/** Cycles per call in the steady state: the difference between two loop lengths. */
async function perCall(config: string, calls = [200, 400] as const): Promise<number> {
  const model = constantModel();
  const opts = { config, kernel: 'debian-6.1-686-pae', ram: '2G' };
  const a = await runRecords(nullLoop(calls[0]), opts, { model });
  const b = await runRecords(nullLoop(calls[1]), opts, { model });
  return (b.result.cycles.total - a.result.cycles.total) / (calls[1] - calls[0]);
}

// constantModel(): syscall 300, cr3Write 100, every walk 30, no STLB.
const SYSCALL = 300;
const CR3 = 100;
const WALK = 30;
/** Distinct translations of the entry and null paths that are not global under a rule, plus the dynamic ones. */
function nonGlobal(isGlobal: (off: number) => boolean): number {
  const text = new Set<number>();
  const data = new Set<number>();
  const dynamic = new Set<string>();
  for (const p of [FOOTPRINT.paths['entry']!, FOOTPRINT.paths['null']!]) {
    for (const off of p.text) if (!isGlobal(hex(off))) text.add(hex(off));
    for (const off of p.data) if (!isGlobal(hex(off))) data.add(hex(off));
    // The per-CPU area and the task stack are never global under PTI or 4G/4G; the entry stack is
    // (cpu_entry_area / the 4G/4G trampoline).
    for (const d of p.dynamic) if (d !== 'entryStack') dynamic.add(d);
  }
  return text.size + data.size + dynamic.size;
}
/** User pages re-walked after the exit's CR3 write: the loop's text page and its data page. */
const USER_PAGES = 2;

describe('kernel TLB footprint on a null-syscall loop (debian-6.1-686-pae footprint)', () => {
  it('natively, every kernel entry is global and stays in the TLB: a call costs the syscall alone', async () => {
    expect(await perCall('3g1g-pae')).toBe(SYSCALL);
  });

  it('under PTI, kernel text and rodata stay global (pti_clone_kernel_text); data, per-CPU area and stack are re-walked', async () => {
    const kernel = nonGlobal((off) => off < hex(FOOTPRINT.ptiGlobalEnd));
    expect(kernel).toBe(3); // init_pid_ns's page, the per-CPU area, the task stack
    expect(await perCall('3g1g-pae-pti')).toBe(SYSCALL + 2 * CR3 + (USER_PAGES + kernel) * WALK);
  });

  it('under 4G/4G, only the trampoline (entry text, entry stack) is global: kernel text misses too', async () => {
    const kernel = nonGlobal((off) => off >= hex(FOOTPRINT.entryText[0]) && off < hex(FOOTPRINT.entryText[1]));
    expect(kernel).toBe(7); // + the large text page, two 4 KiB text pages and sys_call_table's page
    expect(await perCall('4g4g')).toBe(SYSCALL + 2 * CR3 + (USER_PAGES + kernel) * WALK);
  });

  it('4G/4G and PTI differ by the kernel image translations PTI keeps global', async () => {
    const pti = await perCall('3g1g-pae-pti');
    const fourG = await perCall('4g4g');
    expect(fourG - pti).toBe(4 * WALK);
  });

  it('takes one timer interrupt per 1/HZ of a CPU clock (HZ 250 from the profile .config)', async () => {
    const model = constantModel(); // clock 2 GHz
    const period = 2e9 / FOOTPRINT.hz.value;
    expect(period).toBe(8_000_000);
    // 100 calls of 100,000 compute cycles: the clock passes 8 M once; the tick is taken before the first
    // record that starts at or after 8,000,000 cycles.
    const { result } = await runRecords(nullLoop(100, 100_000), { config: '3g1g-pae', kernel: 'debian-6.1-686-pae', ram: '2G' }, { model });
    expect(result.counts.timerTicks).toBe(1);
    expect(result.cycles.breakdown.timer).toBe(400); // constantModel ipiReceive: the interrupt entry and exit
  });
});
