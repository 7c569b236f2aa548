import type { ScenarioOutcome } from './compare.ts';
import { formatChange, formatTables, summaryLine } from './format-table.ts';
import { formatNumber } from './rules.ts';

/**
 * GitHub Actions output: each scenario's table folded in a `::group::`, then one `::error` annotation per
 * failing metric or scenario problem (file = the scenario file, title = scenario and metric), then the
 * summary line. Workflow-command data is escaped as the runner requires (%, CR, LF; also : and , in
 * properties).
 */
export function formatGithub(outcomes: readonly ScenarioOutcome[]): string {
  const out: string[] = [];
  for (const o of outcomes) {
    out.push(`::group::${data(`${o.pass ? 'PASS' : 'FAIL'} ${o.name}`)}`);
    out.push(formatTables([o], { verbose: true }).trimEnd().split('\n').slice(0, -1).join('\n').trimEnd());
    out.push('::endgroup::');
  }
  for (const o of outcomes) {
    for (const p of o.problems) out.push(`::error file=${prop(o.file)},title=${prop(`hmsim check ${o.name}`)}::${data(p)}`);
    for (const m of o.metrics) {
      if (m.verdict === 'pass') continue;
      const msg = `${m.metric}: baseline ${m.baseline === null ? '-' : formatNumber(m.baseline)}, now ${formatNumber(m.now)} (${formatChange(m)}): ${m.reason}`;
      out.push(`::error file=${prop(o.file)},title=${prop(`hmsim check ${o.name}: ${m.metric}`)}::${data(msg)}`);
    }
    for (const n of o.notes) if (!o.pass) out.push(`::notice file=${prop(o.file)},title=${prop(`hmsim check ${o.name}`)}::${data(n)}`);
  }
  out.push(summaryLine(outcomes));
  return out.join('\n') + '\n';
}

function data(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function prop(s: string): string {
  return data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
