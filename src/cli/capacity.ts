/**
 * `hmsim capacity`: lowmem consumed by mem_map, page tables, kernel stacks and per-process slab objects
 * (the replay's own accounting: object sizes of the profile's kernel); how many processes fit before
 * lowmem runs out; user address space left per process; unusable RAM. `--compare` puts the
 * configurations side by side. The arithmetic is src/layout/capacity.ts.
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { computeCapacity, type CapacityResult, type CapacityWorkload, type FileSetFit } from '../layout/capacity.ts';
import { computeLayout } from '../layout/compute.ts';
import { PRESET_NAMES, resolveConfig, type ConfigOptions } from '../layout/configs.ts';
import { fmtBytes, table } from '../layout/format.ts';
import { MiB } from '../units/address.ts';
import { parseCount, parseSize } from '../units/size.ts';
import { addConfigOptions, configOptionsFrom } from './config-options.ts';

/** The configurations `--compare` shows (every 32-bit preset plus the x86_64 reference). */
const CAPACITY_COMPARE = PRESET_NAMES;
const PER_CONFIG_KEYS: readonly (keyof ConfigOptions)[] = ['config', 'split', 'highmem', 'pae', 'pti'];

/** Adds `hmsim capacity` to the program. */
export function register(program: Command): void {
  const cmd = program
    .command('capacity')
    .description('lowmem budget: mem_map, page tables, kernel stacks; how many processes fit; unusable RAM');
  addConfigOptions(cmd)
    .option('--procs <n>', 'number of processes', '100')
    .option('--threads <n>', 'threads per process (each has an 8 KiB kernel stack)', '1')
    .option('--rss <size>', 'resident user memory per process', '8M')
    .option('--vm <size>', 'touched virtual address span per process (sizes its page tables)', '64M')
    .option('--vmas <n>', 'VMAs per process (vm_area_struct objects)', '10')
    .option('--open-files <n>', 'open files per process (struct file objects)', '1')
    .option('--sockets <n>', 'open TCP sockets per process (file, dentry, socket inode, tcp_sock)', '0')
    .option('--socket-buffer <size>', 'bytes queued in each socket (send + receive): lowmem pages and one sk_buff per segment', '0')
    .option('--files <n>', 'files in the file set served (a dentry and an ext4 inode each while cached)', '0')
    .option('--file-set <size>', "the file set's data: how much of it the page cache can hold beside the processes", '0')
    .option('--compare', 'every named configuration side by side')
    .option('--rams <list>', 'comma-separated RAM sizes (e.g. 1G,2G,4G,8G): processes that fit per configuration and RAM size')
    .option('--json', 'print one JSON object')
    .action((opts: Record<string, unknown>) => {
      const conf = configOptionsFrom(opts, cmd);
      const w: CapacityWorkload = {
        procs: parseCount('--procs', String(opts['procs']), 0, 10_000_000),
        threads: parseCount('--threads', String(opts['threads']), 1, 100_000),
        rssBytes: parseSize('--rss', String(opts['rss'])),
        vmBytes: parseSize('--vm', String(opts['vm'])),
        vmas: parseCount('--vmas', String(opts['vmas']), 0, 1_000_000),
        openFiles: parseCount('--open-files', String(opts['openFiles']), 0, 1_000_000),
        sockets: parseCount('--sockets', String(opts['sockets']), 0, 1_000_000),
        socketBufferBytes: parseSize('--socket-buffer', String(opts['socketBuffer'])),
        files: parseCount('--files', String(opts['files']), 0, 1_000_000_000),
        fileSetBytes: parseSize('--file-set', String(opts['fileSet'])),
      };
      const json = opts['json'] === true;
      const compare = opts['compare'] === true;
      if (compare) {
        const clash = PER_CONFIG_KEYS.filter((k) => conf[k] !== undefined);
        if (clash.length > 0) throw new UsageError(`--compare chooses the configurations itself; drop --${clash.join(', --')}`);
      }
      if (typeof opts['rams'] === 'string') {
        if (conf.ram !== undefined) throw new UsageError('--rams replaces --ram; give only one of them');
        const rams = opts['rams'].split(',').map((v) => parseSize('--rams', v));
        const names = compare ? CAPACITY_COMPARE : [conf.config ?? 'custom'];
        const grid = names.map((name) => ({
          config: name,
          points: rams.map((ram) => {
            const c = computeCapacity(computeLayout(resolveConfig(compare ? { ...conf, config: name, ram } : { ...conf, ram })), w);
            return { ramBytes: ram, maxProcs: c.maxProcs, fits: c.fits, limitedBy: c.limitedBy };
          }),
        }));
        process.stdout.write(json ? JSON.stringify({ workload: w, rams, configs: grid }, null, 2) + '\n' : formatRamGrid(w, rams, grid));
        return;
      }
      if (compare) {
        const results = CAPACITY_COMPARE.map((name) => computeCapacity(computeLayout(resolveConfig({ ...conf, config: name })), w));
        process.stdout.write(json ? JSON.stringify({ workload: w, configs: results }, null, 2) + '\n' : formatCompare(results));
        return;
      }
      const r = computeCapacity(computeLayout(resolveConfig(conf)), w);
      process.stdout.write(json ? JSON.stringify(r, null, 2) + '\n' : formatOne(r));
    });
}

/**
 * MB with two decimals: lowmem is max_low_pfn pages, which the kernel prints truncated ("875MB LOWMEM
 * available", `hmsim layout`); one decimal would round 875.99 up to 876.0 and disagree with it.
 */
const mb = (n: number): string => (n / MiB).toFixed(2);

/** An address-space size with its unit: MB below 1 TiB, TiB above (x86_64's 128 TiB user space). */
const vaSize = (n: number): string => (n >= 2 ** 40 ? `${(n / 2 ** 40).toFixed(1)} TiB` : `${mb(n)} MB`);

function formatOne(r: CapacityResult): string {
  const p = r.perProcess;
  const w = r.workload;
  const rows: (string | number)[][] = [
    ['RAM', mb(r.ramBytes)],
    ['unusable RAM (ignored by the kernel)', mb(r.unusableRamBytes)],
    ['lowmem', mb(r.lowmemBytes)],
    ['highmem', mb(r.highmemBytes)],
    // The lowmem line is the kernel's span (max_low_pfn); what of it is no RAM is subtracted first, so
    // the column adds up (4G/4G's lowmem spans the PCI hole: 864 MB of its 3936 MB on 4 GiB).
    ...(r.lowmemHoleBytes > 0 ? [['- no RAM inside lowmem (firmware holes, PCI hole)', mb(r.lowmemHoleBytes)]] : []),
    ['- mem_map', mb(r.memMapBytes)],
    ['- kernel image and boot reservations', mb(r.staticReservedBytes)],
    [`- min watermarks and lowmem_reserve (min_free_kbytes ${r.minFreeKbytes})`, mb(r.minFreeBytes)],
    ['= lowmem for processes', mb(r.availableLowmemBytes)],
  ];
  const perRows: (string | number)[][] = [
    ['kernel stacks', (p.kernelStacks / 1024).toFixed(1)],
    ['task_struct and other per-thread objects', (p.perThreadObjects / 1024).toFixed(1)],
    [`mm, ${w.vmas ?? 10} VMAs, ${w.openFiles ?? 1} open file(s), signals, creds`, (p.perProcessObjects / 1024).toFixed(1)],
    ...((w.sockets ?? 0) > 0
      ? [[`${w.sockets} TCP socket(s) (file, dentry, inode, tcp_sock, sk_buffs)`, (p.sockets / 1024).toFixed(1)]]
      : []),
    ['page tables in lowmem', (p.pageTablesLowmem / 1024).toFixed(1)],
    ['= lowmem per process', (p.totalLowmem / 1024).toFixed(1)],
    ['page tables in highmem (HIGHPTE)', (p.pageTablesHighmem / 1024).toFixed(1)],
  ];
  return (
    `capacity — ${r.config} (${r.split}); ${w.procs} processes x ${w.threads} ` +
    `thread(s), rss ${fmtBytes(w.rssBytes)}, vm ${fmtBytes(w.vmBytes)}\n\n` +
    table(['memory', 'MB'], rows) +
    '\n' +
    table(['per process', 'KiB'], perRows) +
    '\n' +
    `at ${w.procs} processes: lowmem used ${mb(r.lowmemUsedBytes)} of ${mb(r.availableLowmemBytes)} MB ` +
    `(user pages: ${mb(r.userInHighmemBytes)} MB in highmem, ${mb(r.userInLowmemBytes)} ` +
    `MB in lowmem) — ${r.fits ? 'fits' : 'does NOT fit'}\n` +
    `processes that fit: ${r.maxProcs} (limited by ${r.limitedBy})\n` +
    `user address space per process: ${vaSize(r.userSpaceBytes)}, ${vaSize(r.userSpaceLeftBytes)} ` +
    `left after the ${fmtBytes(w.vmBytes)} span\n` +
    tcpLine(r) +
    fileSetLines(r)
  );
}

/** tcp_mem, and what the workload queues against it. */
function tcpLine(r: CapacityResult): string {
  const t = r.tcpMem;
  const limit = `TCP buffer limit (tcp_mem, sized by lowmem): pressure at ${mb(t.pressureBytes)} MB, maximum ${mb(t.maxBytes)} MB`;
  if (t.queuedBytes === 0) return `${limit}\n`;
  const verdict =
    t.queuedBytes > t.maxBytes
      ? `over the maximum: TCP queues no more, ${mb(t.heldBytes)} MB held`
      : t.queuedBytes > t.pressureBytes
        ? 'past the pressure point: TCP shrinks socket buffers'
        : 'within it';
  return `${limit}\nthe sockets ask to queue ${mb(t.queuedBytes)} MB of lowmem — ${verdict}\n`;
}

/** The file set's metadata and data beside the processes. */
function fileSetLines(r: CapacityResult): string {
  const f = r.fileSet;
  if (f === null) return '';
  const w = r.workload;
  const meta =
    `file set: ${w.files ?? 0} files' dentries and inodes ${mb(f.metadataBytes)} MB of lowmem, ` +
    `${mb(Math.max(0, f.lowmemLeftBytes))} MB left — ` +
    (f.metadataFits ? 'they stay cached' : 'they do NOT fit: the dcache and icache are reclaimed and looked up again');
  const data =
    (w.fileSetBytes ?? 0) > 0
      ? `\npage cache room ${mb(f.cacheRoomBytes)} MB for ${mb(w.fileSetBytes ?? 0)} MB of data: ` +
        `${(f.cachedFraction * 100).toFixed(1)} % of it cached`
      : '';
  return `${meta}${data}\n`;
}

function formatRamGrid(
  w: CapacityWorkload,
  rams: readonly number[],
  grid: readonly { config: string; points: readonly { maxProcs: number; fits: boolean }[] }[],
): string {
  return (
    `processes that fit (rss ${fmtBytes(w.rssBytes)}, ` +
    `vm ${fmtBytes(w.vmBytes)}, ${w.threads} thread(s)); * = the ${w.procs} asked for fit\n\n` +
    table(
      ['config', ...rams.map((r) => `RAM ${fmtBytes(r)}`)],
      grid.map((g) => [g.config, ...g.points.map((p) => `${p.maxProcs}${p.fits ? '*' : ''}`)]),
    )
  );
}

function formatCompare(rs: readonly CapacityResult[]): string {
  const w = rs[0]!.workload;
  return (
    `capacity side by side — RAM ${fmtBytes(rs[0]!.ramBytes)}; ${w.procs} processes ` +
    `x ${w.threads} thread(s), rss ${fmtBytes(w.rssBytes)}, vm ${fmtBytes(w.vmBytes)}\n\n` +
    table(
      [
        'config',
        'split',
        'lowmem MB',
        'highmem MB',
        'unusable MB',
        'mem_map MB',
        'free lowmem MB',
        'KiB/proc',
        'fits',
        'max procs',
        'limit',
        'user VA left',
        'tcp_mem max MB',
        ...(rs[0]!.fileSet !== null ? ['file set cached'] : []),
      ],
      rs.map((r) => [
        r.config,
        r.split,
        mb(r.lowmemBytes),
        mb(r.highmemBytes),
        mb(r.unusableRamBytes),
        mb(r.memMapBytes),
        mb(r.availableLowmemBytes),
        (r.perProcess.totalLowmem / 1024).toFixed(1),
        r.fits ? 'yes' : 'no',
        r.maxProcs,
        r.limitedBy,
        vaSize(r.userSpaceLeftBytes),
        mb(r.tcpMem.maxBytes),
        ...(r.fileSet !== null ? [fileSetCell(r.fileSet)] : []),
      ]),
    )
  );
}

/** The compare table's file-set cell: the share of the data cached, and whether the metadata stays. */
function fileSetCell(f: FileSetFit): string {
  return `${(f.cachedFraction * 100).toFixed(1)} %${f.metadataFits ? '' : ' (dcache reclaimed)'}`;
}
