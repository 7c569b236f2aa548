/**
 * PAGE_OFFSET and TASK_SIZE per memory split (arch/x86/Kconfig "Memory split" choice → CONFIG_PAGE_OFFSET;
 * TASK_SIZE = PAGE_OFFSET on x86-32, arch/x86/include/asm/processor.h). The 4G/4G values are those of
 * the 2003 4G/4G patch (CONFIG_X86_4G_VM_LAYOUT in include/asm-i386/page.h of the -mm/RHEL trees:
 * __PAGE_OFFSET 0x02000000, TASK_SIZE 0xff000000).
 */
import type { Split } from './types.ts';

export interface SplitInfo {
  /** Kconfig symbol or patch option. */
  readonly kconfig: string;
  /** Human label used in tables ("3G/1G"). */
  readonly label: string;
  /** PAGE_OFFSET (start of the kernel's direct map), bytes. */
  readonly pageOffset: number;
  /** TASK_SIZE (end of user space), bytes. */
  readonly taskSize: number;
  /** Kconfig `depends on !X86_PAE`: PAE needs PAGE_OFFSET on a 1 GiB PGD boundary. */
  readonly nonPaeOnly: boolean;
}

/** The x86-32 splits (x86_64 is handled by src/layout/x86-64.ts). */
export const SPLITS: Readonly<Record<Exclude<Split, 'x86_64'>, SplitInfo>> = {
  '3G': { kconfig: 'VMSPLIT_3G', label: '3G/1G', pageOffset: 0xc0000000, taskSize: 0xc0000000, nonPaeOnly: false },
  '3G_OPT': { kconfig: 'VMSPLIT_3G_OPT', label: '3G_OPT', pageOffset: 0xb0000000, taskSize: 0xb0000000, nonPaeOnly: true },
  '2G': { kconfig: 'VMSPLIT_2G', label: '2G/2G', pageOffset: 0x80000000, taskSize: 0x80000000, nonPaeOnly: false },
  '2G_OPT': { kconfig: 'VMSPLIT_2G_OPT', label: '2G_OPT', pageOffset: 0x78000000, taskSize: 0x78000000, nonPaeOnly: true },
  '1G': { kconfig: 'VMSPLIT_1G', label: '1G/3G', pageOffset: 0x40000000, taskSize: 0x40000000, nonPaeOnly: false },
  '4G4G': { kconfig: 'X86_4G (4G/4G patch)', label: '4G/4G', pageOffset: 0x02000000, taskSize: 0xff000000, nonPaeOnly: false },
};

/** Every split name accepted by --split, in display order. */
export const SPLIT_NAMES: readonly Split[] = ['3G', '3G_OPT', '2G', '2G_OPT', '1G', '4G4G', 'x86_64'];
