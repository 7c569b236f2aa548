import { CYCLE_CATEGORIES } from '../../src/result/run-result.ts';
import { KEY_COUNTS } from '../../src/stats/key-counts.ts';
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../src/stats/aggregate.ts';
import { summaryCsv, summaryMarkdown, summaryTables, tableToMarkdown, type Table } from '../../src/report/tables.ts';
import { formatInt, formatInterval, formatMean, formatPercent } from '../../src/report/format.ts';
import { fixtureRun, fixtureRuns } from './fixtures.ts';
import { collectProvenance } from '../../src/report/provenance.ts';
import { formatReplicatedCompareTable } from '../../src/cli/compare-table.ts';

describe('number formats', () => {
  it('groups integers with commas, independent of the locale', () => {
    expect(formatInt(1234567.6)).toBe('1,234,568');
    expect(formatInt(-1000)).toBe('-1,000');
    expect(formatInt(999)).toBe('999');
  });
  it('signs percentages and keeps small means to 3 significant digits', () => {
    expect(formatPercent(3.14159)).toBe('+3.14 %');
    expect(formatPercent(-0.001)).toBe('-0.00 %');
    expect(formatMean(3.3333)).toBe('3.33');
    expect(formatInterval(null, null, formatInt)).toBe('n/a (1 replication)');
  });
});

describe('summary tables', () => {
  it('renders a Markdown table with alignment and escaped pipes', () => {
    const t: Table = { id: 't', caption: 'Cap', header: ['a', 'b'], align: ['left', 'right'], rows: [['x|y', '1']] };
    expect(tableToMarkdown(t)).toBe('**Cap**\n\n| a | b |\n|:---|---:|\n| x\\|y | 1 |');
  });

  it('lists totals with intervals and the baseline marked', () => {
    const agg = aggregate(fixtureRuns(['3g1g-highmem', '4g4g'], 2, 3));
    const totals = summaryTables(agg)[0]!;
    expect(totals.rows[0]!.slice(0, 2)).toEqual(['3g1g-highmem', '3']);
    expect(totals.rows[0]![4]).toBe('baseline');
    expect(totals.rows[1]![3]).toMatch(/^\[[\d,]+, [\d,]+\]$/);
    expect(totals.rows[1]![5]).toMatch(/^\[\+\d+\.\d\d %, \+\d+\.\d\d %\]$/);
  });

  it('adds a table of infeasible configurations with their reasons', () => {
    const bad = {
      ...fixtureRun('4g4g', 1),
      configName: 'tiny-split',
      feasible: false,
      infeasible: ['stack at 0xbffff000 is above TASK_SIZE 0x40000000'],
    };
    const tables = summaryTables(aggregate([fixtureRun('3g1g-highmem', 1), bad]));
    expect(tables.at(-1)).toMatchObject({ id: 'infeasible', rows: [['tiny-split', 'stack at 0xbffff000 is above TASK_SIZE 0x40000000']] });
    expect(tables[0]!.rows[1]).toEqual(['tiny-split', '1', 'infeasible', '', '', '']);
  });

  it('writes every interval to the CSV, one row per configuration and metric', () => {
    const agg = aggregate(fixtureRuns(['3g1g-highmem'], 2, 3));
    const lines = summaryCsv(agg).trimEnd().split('\n');
    // header + elapsed + I/O wait + total + every cycle category + every key count + the two overheads
    expect(lines).toHaveLength(1 + 3 + CYCLE_CATEGORIES.length + KEY_COUNTS.length + 2);
    const { elapsedSeconds: e, totalCycles: total } = agg.configs[0]!.stats!;
    expect(lines[1]).toBe(`3g1g-highmem,elapsedSeconds,s,3,${e.mean},${e.sd},${e.lo},${e.hi}`);
    // No device waits in the fixture: 0 in every replication, so no interval.
    expect(lines[2]).toBe('3g1g-highmem,ioWaitSeconds,s,3,0,0,,');
    expect(lines[3]).toBe(`3g1g-highmem,totalCycles,cycles,3,${total.mean},${total.sd},${total.lo},${total.hi}`);
    // The baseline against itself: 0 for every seed, so no interval (cycles, then elapsed time).
    expect(lines.slice(-2)).toEqual([
      '3g1g-highmem,overheadPercent,% vs 3g1g-highmem,3,0,,,',
      '3g1g-highmem,elapsedOverheadPercent,% vs 3g1g-highmem,3,0,,,',
    ]);
  });

  it('says that one replication has no confidence interval', () => {
    const agg = aggregate(fixtureRuns(['3g1g-highmem', '4g4g'], 2, 1));
    const md = summaryMarkdown(agg);
    expect(md).toContain('One replication per configuration: no confidence intervals');
    expect(md).toMatch(/\| 4g4g \| 1 \| [\d,]+ \| n\/a \(1 replication\) \| \+\d+\.\d\d % \| n\/a \(1 replication\) \|/);
    const csv = summaryCsv(agg).split('\n');
    expect(csv[3]).toMatch(/^3g1g-highmem,totalCycles,cycles,1,\d+,,,$/);
  });
});

describe('runs that wait on a device', () => {
  /** Two configurations, two replications each; 4g4g waits as long but works 20 % more on its CPUs. */
  function runs() {
    const times: Record<string, [number, number]> = { '3g1g-highmem': [10, 30], '4g4g': [12.5, 30] };
    return fixtureRuns(['3g1g-highmem', '4g4g'], 1, 2).map((r) => {
      const [elapsedSeconds, ioWaitSeconds] = times[r.configName]!;
      return { ...r, time: { ...r.time, elapsedSeconds, ioWaitSeconds } };
    });
  }

  it('summary.md leads with the elapsed time and its overhead, and says that cycles are CPU cycles only', () => {
    const md = summaryMarkdown(aggregate(runs()));
    expect(md).toContain('**Elapsed time (CPU cycles + device waits) and total CPU cycles, relative to 3g1g-highmem**');
    // 12.5 / 10 − 1 = +25 % in both replications: no interval (they are identical).
    expect(md).toMatch(
      /\| 4g4g \| 2 \| 12\.50 s \| n\/a \(replications identical\) \| \+25\.00 % \| n\/a \(replications identical\) \| 30\.00 s \| /,
    );
    expect(md).toMatch(/\| 3g1g-highmem \| 2 \| 10\.00 s \| n\/a \(replications identical\) \| baseline \| {2}\| 30\.00 s \| /);
  });

  it('the replicated compare table leads with the elapsed time too', () => {
    const agg = aggregate(runs());
    const provenance = collectProvenance(runs(), { command: ['hmsim', 'compare'], seed: 1, replications: 2, gitCommit: null });
    const text = formatReplicatedCompareTable(agg, provenance);
    expect(text).toContain('elapsed time (CPU cycles + device waits) leads; "cycles" and "overhead" are CPU cycles only');
    expect(text).toMatch(/^4g4g +yes +2 +12\.50 s +\+25\.00 % +[\d,]+ /m);
  });
});
