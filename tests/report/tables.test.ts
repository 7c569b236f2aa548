import { CYCLE_CATEGORIES } from '../../src/result/run-result.ts';
import { KEY_COUNTS } from '../../src/stats/key-counts.ts';
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../src/stats/aggregate.ts';
import { summaryCsv, summaryMarkdown, summaryTables, tableToMarkdown, type Table } from '../../src/report/tables.ts';
import { formatInt, formatInterval, formatMean, formatPercent } from '../../src/report/format.ts';
import { fixtureRun, fixtureRuns } from './fixtures.ts';

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
    // header + total + every cycle category + every key count + overhead
    expect(lines).toHaveLength(1 + 1 + CYCLE_CATEGORIES.length + KEY_COUNTS.length + 1);
    const total = agg.configs[0]!.stats!.totalCycles;
    expect(lines[1]).toBe(`3g1g-highmem,totalCycles,cycles,3,${total.mean},${total.sd},${total.lo},${total.hi}`);
    // The baseline against itself: 0 for every seed, so no interval.
    expect(lines.at(-1)).toBe('3g1g-highmem,overheadPercent,% vs 3g1g-highmem,3,0,,,');
  });

  it('says that one replication has no confidence interval', () => {
    const agg = aggregate(fixtureRuns(['3g1g-highmem', '4g4g'], 2, 1));
    const md = summaryMarkdown(agg);
    expect(md).toContain('One replication per configuration: no confidence intervals');
    expect(md).toMatch(/\| 4g4g \| 1 \| [\d,]+ \| n\/a \(1 replication\) \| \+\d+\.\d\d % \| n\/a \(1 replication\) \|/);
    const csv = summaryCsv(agg).split('\n');
    expect(csv[1]).toMatch(/^3g1g-highmem,totalCycles,cycles,1,\d+,,,$/);
  });
});
