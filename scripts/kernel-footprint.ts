/**
 * Derives a kernel's TLB footprint per path from its System.map (models/kernels/footprints/*.json).
 *
 *   npx tsx scripts/kernel-footprint.ts System.map-6.1.0-50-686-pae debian-6.1-686-pae 21 > footprint.json
 *
 * Arguments: the System.map of the kernel (Debian ships it in linux-image-<version>-dbg under
 * /usr/lib/debug/boot/), the profile name, and log2 of the direct map's large page (21 PAE, 22 non-PAE).
 *
 * For each kernel path below, the functions it runs are named from the Linux 6.1 sources (the call chain
 * of the path's common case: an estimate of what runs, not a trace); each function's extent is its address
 * up to the next symbol's, and the script lists the distinct translations they need:
 * - text below the last large page wholly inside [_text, _etext) keeps its large-page mapping (the CPA code
 *   preserves a large page whose whole range gets the same protection, arch/x86/mm/pat/set_memory.c
 *   try_preserve_large_page; mark_rodata_ro splits the others) → one large-page translation;
 * - text and static data above it → one 4 KiB translation per page;
 * - dynamic objects (per-CPU area, the task's kernel stack) are named, not placed: the replay puts them in
 *   the direct map where its allocator put them.
 * Offsets are from _text, which sits at PAGE_OFFSET + 16 MiB (CONFIG_PHYSICAL_START 0x1000000).
 */
import { readFileSync } from 'node:fs';

interface PathSpec {
  readonly what: string;
  readonly functions: readonly string[];
  readonly data?: readonly string[];
  readonly dynamic: readonly ('percpu' | 'stack' | 'entryStack')[];
}

/** Kernel paths and the functions of their common case (Linux 6.1, x86-32, SYSENTER entry, tmpfs files). */
const PATHS: Record<string, PathSpec> = {
  entry: {
    what: 'syscall entry and exit through SYSENTER (arch/x86/entry/entry_32.S, common.c, kernel/entry/common.c)',
    functions: [
      'entry_SYSENTER_32',
      'do_SYSENTER_32',
      'do_fast_syscall_32',
      '__do_fast_syscall_32',
      'syscall_enter_from_user_mode',
      'syscall_exit_to_user_mode',
      'exit_to_user_mode_prepare',
    ],
    data: ['sys_call_table'],
    dynamic: ['entryStack', 'percpu', 'stack'],
  },
  null: {
    what: 'a null system call body (getppid: kernel/sys.c, kernel/pid.c), used for syscall records with no effect record',
    functions: ['__ia32_sys_getppid', '__task_pid_nr_ns'],
    data: ['init_pid_ns'],
    dynamic: [],
  },
  read: {
    what: 'read(2) of a cached tmpfs page (fs/read_write.c, mm/shmem.c, lib/iov_iter.c)',
    functions: [
      '__ia32_sys_read',
      'ksys_read',
      '__fdget_pos',
      'vfs_read',
      'shmem_file_read_iter',
      'shmem_get_folio_gfp',
      '__filemap_get_folio',
      'copy_page_to_iter',
      '_copy_to_user',
      'folio_mark_accessed',
      'touch_atime',
      'fput',
    ],
    dynamic: [],
  },
  write: {
    what: 'write(2) to tmpfs (fs/read_write.c, mm/filemap.c generic_perform_write, mm/shmem.c)',
    functions: [
      '__ia32_sys_write',
      'ksys_write',
      '__fdget_pos',
      'vfs_write',
      'generic_file_write_iter',
      '__generic_file_write_iter',
      'generic_perform_write',
      'shmem_write_begin',
      'shmem_get_folio_gfp',
      '__filemap_get_folio',
      'copy_page_from_iter_atomic',
      'fault_in_iov_iter_readable',
      'shmem_write_end',
      'fput',
    ],
    dynamic: [],
  },
  mmap: {
    what: 'mmap(2) (mm/util.c vm_mmap_pgoff, mm/mmap.c)',
    functions: ['__ia32_sys_mmap_pgoff', 'ksys_mmap_pgoff', 'vm_mmap_pgoff', 'do_mmap', 'get_unmapped_area', 'mmap_region', 'vma_merge'],
    dynamic: [],
  },
  munmap: {
    what: 'munmap(2) and mprotect(2) (mm/mmap.c, mm/memory.c unmap_page_range, mm/mprotect.c, arch/x86/mm/tlb.c)',
    functions: [
      '__ia32_sys_munmap',
      '__vm_munmap',
      'do_mas_munmap',
      'do_mas_align_munmap',
      'unmap_region',
      'unmap_vmas',
      'unmap_page_range',
      'free_pgtables',
      'tlb_finish_mmu',
      'flush_tlb_mm_range',
      '__ia32_sys_mprotect',
      'mprotect_fixup',
      'change_protection',
    ],
    dynamic: [],
  },
  fork: {
    what: 'fork/clone (kernel/fork.c copy_process, dup_mmap inlined; mm/memory.c copy_page_range; arch/x86/mm/pgtable.c)',
    functions: ['__ia32_sys_clone', 'kernel_clone', 'copy_process', 'copy_page_range', 'pgd_alloc', 'wake_up_new_task'],
    dynamic: [],
  },
  exec: {
    what: 'execve (fs/exec.c, fs/binfmt_elf.c)',
    functions: ['__ia32_sys_execve', 'do_execveat_common', 'bprm_execve', 'load_elf_binary', 'begin_new_exec', 'setup_arg_pages'],
    dynamic: [],
  },
  exit: {
    what: 'exit_group (kernel/exit.c, kernel/fork.c mmput, mm/mmap.c exit_mmap, arch/x86/mm/pgtable.c)',
    functions: ['__ia32_sys_exit_group', 'do_group_exit', 'do_exit', 'mmput', 'exit_mmap', 'pgd_free'],
    dynamic: [],
  },
  pageFault: {
    what:
      'an anonymous first-touch fault (arch/x86/mm/fault.c, mm/memory.c handle_pte_fault ' +
      'and do_anonymous_page inlined, mm/page_alloc.c, mm/highmem.c kmap_local for the clear)',
    functions: [
      'asm_exc_page_fault',
      'exc_page_fault',
      'irqentry_enter',
      'do_user_addr_fault',
      'lock_mm_and_find_vma',
      'find_vma',
      'handle_mm_fault',
      '__folio_alloc',
      '__alloc_pages',
      'get_page_from_freelist',
      '__kmap_local_page_prot',
      '__kmap_local_pfn_prot',
      'kunmap_local_indexed',
      '__mem_cgroup_charge',
      'page_add_new_anon_rmap',
      'folio_add_lru',
      'irqentry_exit',
      'irqentry_exit_to_user_mode',
    ],
    dynamic: ['entryStack', 'percpu', 'stack'],
  },
  timer: {
    what: 'the periodic timer interrupt (local APIC; kernel/time/hrtimer.c, tick-sched.c, timer.c, kernel/sched/core.c)',
    functions: [
      'asm_sysvec_apic_timer_interrupt',
      'sysvec_apic_timer_interrupt',
      'irqentry_enter',
      '__sysvec_apic_timer_interrupt',
      'hrtimer_interrupt',
      '__hrtimer_run_queues',
      'tick_sched_timer',
      'ktime_get',
      'update_process_times',
      'account_process_tick',
      'scheduler_tick',
      'task_tick_fair',
      'tick_program_event',
      'clockevents_program_event',
      'lapic_next_deadline',
      'irqentry_exit',
      'irqentry_exit_to_user_mode',
    ],
    data: ['jiffies_64'],
    dynamic: ['entryStack', 'percpu', 'stack'],
  },
  contextSwitch: {
    what:
      'schedule() to another task (kernel/sched/core.c __schedule, fair.c, ' +
      'arch/x86/mm/tlb.c switch_mm_irqs_off, arch/x86/kernel/process_32.c)',
    functions: [
      'schedule',
      '__schedule',
      'put_prev_task_fair',
      'pick_next_task_fair',
      'update_curr',
      'dequeue_task_fair',
      'enqueue_task_fair',
      'switch_mm_irqs_off',
      '__switch_to_asm',
      '__switch_to',
    ],
    dynamic: ['percpu', 'stack'],
  },
  ipi: {
    what: 'a TLB-flush IPI received (arch/x86/kernel/smp.c sysvec_call_function(_single), kernel/smp.c, arch/x86/mm/tlb.c flush_tlb_func)',
    functions: [
      'asm_sysvec_call_function',
      'sysvec_call_function',
      'sysvec_call_function_single',
      'irqentry_enter',
      '__flush_smp_call_function_queue',
      'generic_smp_call_function_single_interrupt',
      'flush_tlb_func',
      'native_flush_tlb_one_user',
      'irqentry_exit',
    ],
    dynamic: ['entryStack', 'percpu', 'stack'],
  },
};

const [mapPath, profile, largeShiftArg] = process.argv.slice(2);
if (mapPath === undefined || profile === undefined || largeShiftArg === undefined) {
  process.stderr.write('usage: kernel-footprint.ts SYSTEM_MAP PROFILE LARGE_SHIFT\n');
  process.exit(2);
}
const largeShift = Number(largeShiftArg);
const syms: Array<{ addr: number; name: string }> = [];
for (const line of readFileSync(mapPath, 'utf8').split('\n')) {
  const [a, , name] = line.split(' ');
  if (a === undefined || name === undefined) continue;
  syms.push({ addr: Number.parseInt(a, 16), name });
}
syms.sort((x, y) => x.addr - y.addr);
const byName = new Map<string, number>();
for (const s of syms) if (!byName.has(s.name)) byName.set(s.name, s.addr);
const addr = (name: string): number => {
  const a = byName.get(name);
  if (a === undefined) throw new Error(`${name} not in ${mapPath}`);
  return a;
};
/** End of the symbol at `a`: the next higher symbol address. */
const endOf = (a: number): number => {
  let lo = 0;
  let hi = syms.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (syms[mid]!.addr <= a) lo = mid + 1;
    else hi = mid;
  }
  return syms[lo]?.addr ?? a + 1;
};
const text = addr('_text');
const etext = addr('_etext');
const large = 2 ** largeShift;
// Large pages wholly inside [_text, _etext) stay large.
const largeBelow = Math.floor((etext - text) / large) * large;
const hex = (n: number): string => `0x${n.toString(16)}`;

const paths: Record<string, unknown> = {};
for (const [name, spec] of Object.entries(PATHS)) {
  const textUnits = new Set<number>();
  for (const f of spec.functions) {
    const a = addr(f);
    const e = endOf(a);
    for (let p = Math.floor((a - text) / 4096); p * 4096 < e - text; p++) {
      const off = p * 4096;
      textUnits.add(off < largeBelow ? Math.floor(off / large) * large : off);
    }
  }
  const dataUnits = new Set<number>();
  for (const d of spec.data ?? []) {
    const off = Math.floor((addr(d) - text) / 4096) * 4096;
    dataUnits.add(off < largeBelow ? Math.floor(off / large) * large : off);
  }
  paths[name] = {
    what: spec.what,
    functions: spec.functions,
    ...(spec.data !== undefined ? { dataSymbols: spec.data } : {}),
    text: [...textUnits].sort((x, y) => x - y).map(hex),
    data: [...dataUnits].sort((x, y) => x - y).map(hex),
    dynamic: spec.dynamic,
  };
}

const out = {
  kernel: profile,
  systemMap: mapPath.split('/').pop(),
  textBytes: etext - text,
  largePageBytes: large,
  largeBelow: hex(largeBelow),
  entryText: [hex(addr('__entry_text_start') - text), hex(addr('__irqentry_text_end') - text)],
  ptiGlobalEnd: byName.has('__end_rodata_aligned') ? hex(addr('__end_rodata_aligned') - text) : null,
  paths,
};
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
