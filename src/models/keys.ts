/**
 * The canonical parameter keys of a cost model: one dotted key per parameter, the same in model files,
 * `--set`, scenarios and reports (e.g. `costs.invlpg`, `tlb.l1d.entries`, `lock.kind`).
 *
 * A model file nests these keys as objects (`{ "costs": { "invlpg": … } }`); every key below must be
 * present once a model is resolved (after `extends` and `--set`).
 */

/** What kind of value a parameter holds. */
export type ParamKind =
  /** A cost in cycles: constant, linear, table or distribution (see spec.ts). */
  | 'cost'
  /** A non-negative integer (TLB entries, flush ceiling). */
  | 'count'
  /** A positive integer (associativity). */
  | 'positiveCount'
  /** A positive finite real (clock frequency). */
  | 'positive'
  /** A non-negative finite real (device latency in µs). */
  | 'nonNegative'
  /** One of a fixed set of strings. */
  | 'enum'
  /** A storage device profile: a shipped name (models/devices/NAME.json) or a path to a .json profile. */
  | 'device';

/** Description of one canonical parameter. */
export interface ParamInfo {
  readonly key: string;
  readonly kind: ParamKind;
  /** Allowed values when kind is 'enum'. */
  readonly values?: readonly string[];
  /** For costs: what the argument n of the CostFn is. */
  readonly arg?: string;
  /** Units and meaning, one line. */
  readonly doc: string;
}

const cost = (key: string, doc: string, arg = 'unused (0)'): ParamInfo => ({ key, kind: 'cost', arg, doc });
const count = (key: string, doc: string): ParamInfo => ({ key, kind: 'count', doc });
const ways = (key: string, doc: string): ParamInfo => ({ key, kind: 'positiveCount', doc });

/** Every parameter of a model, in documentation order. */
export const PARAMS: readonly ParamInfo[] = [
  { key: 'clockGHz', kind: 'positive', doc: 'Core clock in GHz; used only to convert ns to cycles.' },
  count('flushCeiling', 'tlb_single_page_flush_ceiling in pages: larger ranges are flushed whole (Linux: 33).'),
  count('tlb.l1i.entries', 'L1 instruction TLB entries (4 KiB pages).'),
  ways('tlb.l1i.ways', 'L1 instruction TLB associativity (ways = entries: fully associative).'),
  count('tlb.l1d.entries', 'L1 data TLB entries (4 KiB pages).'),
  ways('tlb.l1d.ways', 'L1 data TLB associativity.'),
  count('tlb.stlb.entries', 'Second-level TLB entries (0 = no second level).'),
  ways('tlb.stlb.ways', 'Second-level TLB associativity.'),
  count('tlb.large.entries', 'Data TLB entries for large pages (2/4 MiB); 0 = large pages share the 4 KiB arrays.'),
  ways('tlb.large.ways', 'Large-page data TLB associativity.'),
  { key: 'tlb.replacement', kind: 'enum', values: ['lru', 'plru'], doc: 'TLB replacement policy.' },
  cost('costs.walk', 'Page walk served from the caches, cycles per walk.', 'number of page-table levels read'),
  cost(
    'costs.walkDram',
    'Extra cycles when walk references are served by DRAM instead of a cache. Not charged yet: the ' +
      'machine has no cache model, and costs.walk is an average walk that already includes its cache misses.',
    'references served by DRAM',
  ),
  cost('costs.stlbHit', 'Cycles of an L1 TLB miss that hits the second-level TLB.'),
  cost('costs.pteWrite', 'Cycles of one PTE write (PAE: 64-bit atomic).', 'entry size in bytes (4 non-PAE, 8 PAE)'),
  cost('costs.invlpg', 'Cycles of one INVLPG.'),
  cost('costs.cr3Write', 'Cycles of a MOV to CR3 (flushes non-global entries), refills not included.'),
  cost('costs.globalFlush', 'Cycles of a global flush (CR4.PGE toggle), refills not included.'),
  cost('costs.ipi', 'Cycles to the initiator of an IPI round (send + wait for acknowledgements).', 'number of target CPUs'),
  cost('costs.ipiReceive', 'Cycles to each receiving CPU of taking an IPI (interrupt entry/exit).'),
  cost('costs.pageFault', 'Cycles of page-fault handling, excluding clearing/copying and page-table allocation.'),
  cost('costs.syscall', 'Cycles of syscall entry + exit (without CR3 switches).'),
  cost(
    'costs.pathLookup',
    'Cycles a call spends resolving a path (lmbench stat minus null call): open, creat, openat, stat, lstat, ' +
      'access, readlink, unlink, execve.',
  ),
  cost(
    'costs.fileClose',
    'Cycles an open and its close spend besides the path lookup and two entries (lmbench open/close minus ' +
      '2 null calls minus costs.pathLookup), charged at the close.',
  ),
  cost(
    'costs.forkExit',
    "Cycles of a fork with the child's exit and the parent's wait besides their mm work (copy_process, do_exit, " +
      'release_task; lmbench fork proc minus what the replay charges for it), charged at the fork.',
  ),
  cost(
    'costs.ioCall',
    "Cycles of a read or write call's own work besides its copies and page-cache work (lmbench null I/O minus null call).",
  ),
  cost('costs.ptiTrampoline', 'Cycles of the PTI entry or exit code besides its CR3 write, per crossing (the entry-stack frame copy).'),
  cost('costs.contextSwitch', 'Cycles of a context switch (without the TLB refills it causes).'),
  cost('costs.copy', 'Cycles to copy or clear n bytes.', 'bytes'),
  cost('costs.lockAcquire', 'Cycles of an uncontended spinlock acquire + release.'),
  cost('costs.sleepWake', 'Cycles from the wake-up of a task sleeping on a wait queue until it runs.'),
  cost('costs.pkmapScanSlot', 'Cycles per pkmap slot examined by map_new_virtual().'),
  cost('costs.pageAddressLookup', 'Cycles of a page_address() hash lookup of a highmem page.'),
  cost('costs.reclaimPage', 'Cycles of reclaiming one clean page-cache page (isolate, unmap from its mapping, free).'),
  cost('costs.shrinkObject', 'Cycles of freeing one dentry or inode by the shrinker.'),
  {
    key: 'lock.kind',
    kind: 'enum',
    values: ['ticket', 'queued'],
    doc: 'Spinlock kind: ticket (hand-off grows with waiters) or queued (MCS, constant hand-off).',
  },
  cost(
    'lock.handoff',
    'Cycles to pass a held lock to the next waiter (one cache-line transfer).',
    'waiters at release (a queued lock is evaluated at 1)',
  ),
  cost(
    'lock.perWaiter',
    'Ticket locks only: extra hand-off cycles per two spinning waiters (c in Boyd-Wickizer et al. 2012).',
    'waiters at release',
  ),
  // Storage (src/models/storage.ts, src/machine/storage/): the device behind the page cache, and the
  // kernel's writeback tunables. A model file need not give them: the device profile named by io.device
  // (default DEFAULT_DEVICE) fills the device figures, the kernel's defaults fill the vm.* keys.
  {
    key: 'io.device',
    kind: 'device',
    doc:
      'Storage device profile (models/devices/: hdd-7200, sata-ssd, nvme) or a path to a device ' +
      '.json; fills the io.read.*, io.write.*, io.queueDepth and io.maxRequestKiB keys not given.',
  },
  {
    key: 'io.read.latencyUs',
    kind: 'nonNegative',
    doc: 'Device time of one read request before its data moves (seek + rotation, or flash read), microseconds.',
  },
  { key: 'io.read.bandwidthMBps', kind: 'positive', doc: 'Sustained read transfer rate, MB/s (10^6 bytes per second).' },
  { key: 'io.write.latencyUs', kind: 'nonNegative', doc: 'Device time of one write request before its data moves, microseconds.' },
  { key: 'io.write.bandwidthMBps', kind: 'positive', doc: 'Sustained write transfer rate, MB/s (10^6 bytes per second).' },
  {
    key: 'io.queueDepth',
    kind: 'positiveCount',
    doc: 'Requests the device serves at once (1: one actuator; flash: its internal parallelism). Transfers share one bandwidth.',
  },
  {
    key: 'io.maxRequestKiB',
    kind: 'positiveCount',
    doc: 'Largest request the block layer builds from contiguous pages (max_sectors_kb), KiB.',
  },
  count('io.readaheadKiB', 'Largest readahead window (read_ahead_kb), KiB; 0 disables readahead.'),
  {
    key: 'io.files',
    kind: 'enum',
    values: ['disk', 'tmpfs'],
    doc:
      'Where the files of the trace live: disk (page cache over the device) ' +
      'or tmpfs (shmem pages: no device, never evicted without swap).',
  },
  count('io.swap.sizeMiB', 'Swap space, MiB (0: no swap). tmpfs pages are the only pages swapped.'),
  {
    key: 'io.swap.device',
    kind: 'device',
    doc: 'Device profile of the swap space (a shipped name); default: the same profile as io.device, as its own device.',
  },
  count('vm.dirtyRatio', 'vm.dirty_ratio: % of dirtyable memory at which a writer is throttled.'),
  count('vm.dirtyBackgroundRatio', 'vm.dirty_background_ratio: % of dirtyable memory at which background writeback starts.'),
  count('vm.highmemIsDirtyable', 'vm.highmem_is_dirtyable: 1 counts highmem in dirtyable memory, 0 (default) does not.'),
  count('vm.dirtyExpireCentisecs', 'vm.dirty_expire_centisecs: dirty data older than this is written by the flusher, 1/100 s.'),
];

/**
 * Largest number any model parameter may hold: 1e12 (a cost of 10^12 cycles is over 15 minutes at 1 GHz
 * for one event). Totals then stay finite — even 2^53 events × 1e12 cycles is about 9e27 — so a result
 * never holds Infinity or NaN (JSON null) for a number. An engineering bound, not a measured figure.
 */
export const MAX_MODEL_NUMBER = 1e12;

/** PARAMS by key. */
export const PARAM_BY_KEY: ReadonlyMap<string, ParamInfo> = new Map(PARAMS.map((p) => [p.key, p]));

/** Keys of the document that are not parameters. */
export const DOCUMENT_KEYS: readonly string[] = ['$schema', 'name', 'description', 'extends'];

/** Objects that group parameters (`tlb`, `tlb.l1d`, `costs`, `lock`, …). */
export const GROUP_KEYS: ReadonlySet<string> = new Set(
  PARAMS.flatMap((p) => {
    const parts = p.key.split('.');
    return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('.'));
  }),
);

/**
 * Machine-configuration keys accepted by `--set` that are not model keys; commands route them to the
 * layout's configuration resolver instead of the model loader.
 */
export const CONFIG_KEYS: readonly string[] = ['ram', 'cpus', 'nrCpus', 'split', 'highmem', 'pae', 'pti', 'vmalloc', 'kernel', 'highpte'];
