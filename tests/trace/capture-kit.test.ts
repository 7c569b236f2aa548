/**
 * The capture kit (tools/capture/capture.sh) enables exactly what the ftrace importer consumes, and the
 * importer reads a line of each of those events.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FTRACE_KPROBES, FTRACE_TRACEPOINTS } from '../../src/trace/importers/ftrace-convert.ts';
import { ftraceLineConverter } from '../../src/trace/importers/ftrace.ts';
import type { TraceRecord } from '../../src/trace/records.ts';
import { ROOT } from '../helpers/cli.ts';

const script = readFileSync(`${ROOT}tools/capture/capture.sh`, 'utf8');
/** A quoted multi-line shell variable of the script, one entry per line. */
const listOf = (name: string): string[] => {
  const m = new RegExp(`^${name}='([^']*)'`, 'm').exec(script);
  if (!m) throw new Error(`no ${name}= in capture.sh`);
  return m[1]!
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
};

describe('the capture kit', () => {
  it("defines exactly the importer's kprobes and enables exactly its tracepoints", () => {
    expect(listOf('KPROBES')).toEqual([...FTRACE_KPROBES]);
    expect(listOf('TRACEPOINTS')).toEqual([...FTRACE_TRACEPOINTS]);
  });

  it('the importer reads every event the kit enables (none is counted as other)', () => {
    const out: TraceRecord[] = [];
    const c = ftraceLineConverter(1, (r) => out.push(r));
    const line = (event: string, fields: string): void => c.line(`  dd-91 [000] .....  4.5: ${event}: ${fields}`);
    const names = FTRACE_KPROBES.map((k) => k.split(' ')[0]!);
    expect(names).toEqual(['kmap_local', 'kunmap_local', 'kmap_high', 'kunmap_high', 'flush_zero_pkmaps', 'tlb_range']);
    line('kmap_local', '(__kmap_local_pfn_prot+0x0/0x180) pfn=522607');
    line('kunmap_local', '(kunmap_local_indexed+0x0/0x110) addr=0xfffab000');
    line('kmap_high', '(kmap_high+0x0/0x100) page=0xf7a1c020');
    line('kunmap_high', '(kunmap_high+0x0/0x100) page=0xf7a1c020');
    line('flush_zero_pkmaps', '(flush_all_zero_pkmaps+0x0/0x80)');
    line('tlb_range', '(flush_tlb_mm_range+0x0/0x170) start=0xb7f00000 end=0xb7f01000');
    line('sched_switch', 'prev_comm=dd prev_pid=91 prev_prio=120 prev_state=R ==> next_comm=sh next_pid=7 next_prio=120');
    line('tlb_flush', 'pages:1 reason:local mm shootdown (3)');
    line('page_fault_user', 'address=0xbff97324 ip=0x809c129 error_code=0x7');
    c.line('  dd-91 [000] .....  4.5: sys_write(fd: 1, buf: 8758d70, count: 1)');
    const k = c.converter.counts;
    expect(k.otherEvents).toBe(0);
    expect([k.kmapLocalHigh, k.kunmapLocalHigh, k.kmapHigh, k.kunmapHigh, k.flushZeroPkmaps, k.switches, k.pageFaults, k.syscalls]).toEqual(
      [1, 1, 1, 1, 1, 1, 1, 1],
    );
    expect(k.tlbFlushByReason).toEqual({ '3': 1 });
    expect([k.tlbRanges, k.tlbFlushAddressed]).toEqual([1, 1]);
  });

  it("writes the box's configuration as the header lines the importer reads", () => {
    expect(script).toContain('# hmsim-capture: release=$(uname -r) ram=$ram cpus=$cpus pti=$pti');
    for (const f of ['/proc/meminfo', '/proc/zoneinfo', '/proc/cmdline', 'uname -a']) expect(script).toContain(f);
  });
});
