/**
 * What was run, at the head of every text table and report (`run`, `compare`, `sweep`, `check` and the
 * summary.md/index.html of `--out`): the trace (path, records, digest prefix), the configuration(s) and
 * their four choices, the kernel, RAM installed/usable/lost, the CPUs, the cost model with its overrides
 * and clock, the seed and replications, and the units of the tables below. One function builds the rows
 * (runHeaderTable) from a report's Provenance; runHeaderText and the Markdown table render them.
 *
 * A fact every configuration shares is one row; one that differs lists each configuration on its own
 * line (`x86_64: ...`). Nothing here depends on the machine the report was made on (no git commit, no
 * path but the trace's as given), so the header of the same run is the same text everywhere.
 */
import { kernelLabel } from '../layout/configs.ts';
import type { RunConfig } from '../result/run-result.ts';
import { formatInt } from './format.ts';
import type { Provenance } from './provenance.ts';
import type { Table } from './tables.ts';

/** Traces listed one per row up to this many; more (a workload sweep) are summarised in one row. */
const MAX_TRACE_ROWS = 3;
/** Hex digits of a trace's sha256 shown (the full digest is in summary.json and --json). */
const DIGEST_PREFIX = 12;

/** "3G/1G split, HIGHMEM64G, PAE (3-level paging), PTI, HIGHPTE". */
export function configChoices(c: RunConfig): string {
  const split = c.split === 'x86_64' ? 'x86_64 (4-level paging, all RAM direct-mapped)' : `split ${c.split === '4G4G' ? '4G/4G' : c.split}`;
  if (c.split === 'x86_64') return split;
  const highmem = c.highmem === 'off' ? 'no HIGHMEM' : `HIGHMEM${c.highmem}`;
  const paging = c.pae ? 'PAE (3-level paging)' : '2-level paging';
  return [
    split,
    highmem,
    paging,
    c.pti ? 'PTI' : 'no PTI',
    c.highpte ? 'HIGHPTE' : 'no HIGHPTE',
    ...(c.vmallocBytes !== null ? [`vmalloc=${mb(c.vmallocBytes)}`] : []),
  ].join(', ');
}

function mb(n: number): string {
  const v = n / 2 ** 20;
  return Number.isInteger(v) ? `${v} MB` : `${v.toFixed(1)} MB`;
}

/** "4096 MB installed, 3071.5 MB usable, 1024.5 MB lost (1024 MB ignored by this kernel configuration, 0.5 MB kept by the firmware)". */
export function ramText(c: RunConfig): string {
  const ram = c.ram as RunConfig['ram'] | undefined;
  if (ram === undefined) return `${mb(c.ramBytes)} installed`;
  const why: string[] = [];
  if (ram.ignoredBytes > 0) why.push(`${mb(ram.ignoredBytes)} ignored by this kernel configuration`);
  if (ram.firmwareBytes > 0) why.push(`${mb(ram.firmwareBytes)} kept by the firmware`);
  return (
    `${mb(ram.installedBytes)} installed, ${mb(ram.usableBytes)} ` +
    `usable, ${mb(ram.lostBytes)} lost${why.length > 0 ? ` (${why.join(', ')})` : ''}`
  );
}

/**
 * One row when every configuration has the same value; otherwise one row per distinct value, in order of
 * first appearance, naming its configurations (the first row carries the label).
 */
function perConfig(label: string, configs: Provenance['configurations'], value: (c: RunConfig) => string): string[][] {
  const groups = new Map<string, string[]>();
  for (const c of configs) {
    const v = value(c.config);
    const names = groups.get(v);
    if (names === undefined) groups.set(v, [c.name]);
    else names.push(c.name);
  }
  if (groups.size <= 1) return [[label, [...groups.keys()][0] ?? '']];
  return [...groups].map(([v, names], i) => [i === 0 ? label : '', `${names.join(', ')}: ${v}`]);
}

/**
 * The header's rows (what, value). The first configuration is marked the baseline; with `baselines` (a
 * sweep's baseline per configuration: the first configuration at the same grid values) each that is one.
 */
export function runHeaderTable(p: Provenance, baselines?: ReadonlyMap<string, string>): Table {
  const rows: string[][] = [];
  if (p.traces.length <= MAX_TRACE_ROWS) {
    p.traces.forEach((t, i) => {
      rows.push([i === 0 ? 'trace' : '', `${t.path}: ${formatInt(t.records)} records, sha256 ${t.sha256.slice(0, DIGEST_PREFIX)}`]);
    });
  } else {
    const records = p.traces.map((t) => t.records);
    const lo = Math.min(...records);
    const hi = Math.max(...records);
    rows.push([
      'traces',
      `${p.traces.length} (one generated per replication or sweep ` +
        `point), ${lo === hi ? formatInt(lo) : `${formatInt(lo)}–${formatInt(hi)}`} records each; paths and sha256 in summary.json`,
    ]);
  }
  const configs = p.configurations;
  if (configs.length === 1) rows.push(['configuration', `${configs[0]!.name}: ${configChoices(configs[0]!.config)}`]);
  else {
    const isBase = (name: string, i: number): boolean => (baselines === undefined ? i === 0 : baselines.get(name) === name);
    configs.forEach((c, i) => {
      rows.push([i === 0 ? 'configurations' : '', `${c.name}${isBase(c.name, i) ? ' (baseline)' : ''}: ${configChoices(c.config)}`]);
    });
  }
  rows.push(...perConfig('kernel', configs, (c) => kernelLabel(c.split, c.kernel)));
  rows.push(...perConfig('RAM', configs, ramText));
  rows.push(...perConfig('CPUs', configs, (c) => `${c.cpus} online (NR_CPUS ${c.nrCpus})`));
  const clock = p.clockGHz === null ? '' : `, ${p.clockGHz} GHz`;
  const overrides = p.modelOverrides.length === 0 ? 'no overrides' : `overrides ${p.modelOverrides.join(', ')}`;
  p.models.forEach((m, i) => {
    rows.push([i === 0 ? 'model' : '', `${m.name} (hash ${m.hash.slice(0, DIGEST_PREFIX)}${clock}), ${overrides}`]);
  });
  if (p.modelDraws !== undefined) rows.push(['model uncertainty', modelDrawsText(p.modelDraws)]);
  if (p.warmupRecords !== undefined) rows.push(['warm-up', warmupText(p)]);
  const reps = `${p.replications} replication${p.replications === 1 ? '' : 's'}`;
  rows.push([
    'seed',
    p.seed === null
      ? `none, ${reps}`
      : p.replications > 1
        ? `${p.seed} (replication seeds derived from it), ${reps}`
        : `${p.seed}, ${reps}`,
  ]);
  rows.push([
    'units',
    `cycles: CPU cycles of the modelled clock${p.clockGHz === null ? '' : ` (${p.clockGHz} GHz)`}, summed over all CPUs unless per CPU; ` +
      `time: seconds of the slowest CPU (CPU cycles + device waits); MB: 2^20 bytes; counts: ` +
      `events over the whole trace${p.warmupRecords !== undefined ? ' after the warm-up' : ''}`,
  ]);
  if (p.noCompute !== undefined) rows.push(['warning', noComputeText(p)]);
  return { id: 'run', caption: 'What was run', header: ['what', 'value'], align: ['left', 'left'], rows };
}

/**
 * "first 20,002 records (50.0 % of the trace) replayed to fill the TLBs, page tables, page cache and memory,
 * not counted: every figure below is of the 20,002 records after them (the whole trace still ran)".
 */
function warmupText(p: Provenance): string {
  const w = p.warmupRecords ?? [];
  const lo = Math.min(...w);
  const hi = Math.max(...w);
  const n = lo === hi ? formatInt(lo) : `${formatInt(lo)}–${formatInt(hi)}`;
  const t = p.traces.length === 1 && lo === hi ? p.traces[0] : undefined;
  const share = t !== undefined && t.records > 0 ? ` (${((100 * lo) / t.records).toFixed(1)} % of the trace)` : '';
  const after = t !== undefined ? `the ${formatInt(t.records - lo)} records after them` : 'the records after them';
  return (
    `first ${n} records${share} replayed to fill the TLBs, page tables, page cache ` +
    `and memory, not counted: every cycle, count and time below is of ${after}`
  );
}

/**
 * The warning of a trace without compute records (a lackey or ftrace capture: memory references and
 * kernel events, no user work between them): the time the workload spent computing is missing.
 */
function noComputeText(p: Provenance): string {
  const paths = p.noCompute ?? [];
  const which = p.traces.length <= 1 ? 'the trace has' : paths.length === 1 ? `${paths[0]} has` : `${paths.length} of the traces have`;
  return (
    `${which} no compute records (no user work): cycles, time and overheads are of memory management alone, ` +
    "not of the workload's run time, so an overhead here magnifies its effect on the workload"
  );
}

/** The header as text lines for stdout: "what   value", the value column aligned, a blank line after. */
export function runHeaderText(p: Provenance, baselines?: ReadonlyMap<string, string>): string {
  const rows = runHeaderTable(p, baselines).rows;
  const width = Math.max(...rows.map((r) => (r[0] ?? '').length));
  return rows.map((r) => `${(r[0] ?? '').padEnd(width)}  ${r[1] ?? ''}`.trimEnd()).join('\n') + '\n\n';
}

/** "2 costs known only to within a factor, drawn per replication (log-uniform): costs.pageFault ×0.61–1.83, ...". */
function modelDrawsText(draws: Readonly<Record<string, readonly [number, number]>>): string {
  const keys = Object.keys(draws);
  if (keys.length === 0) return 'sampled, but the model gives no cost a factor (within): nothing drawn';
  const range = ([lo, hi]: readonly [number, number]): string => (lo === hi ? `×${lo.toFixed(2)}` : `×${lo.toFixed(2)}–${hi.toFixed(2)}`);
  return (
    `${keys.length} cost${keys.length === 1 ? '' : 's'} known only to within a factor, drawn per replication ` +
    `(log-uniform, the same draw for every configuration): ${keys.map((k) => `${k} ${range(draws[k]!)}`).join(', ')}`
  );
}
