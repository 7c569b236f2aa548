import { createHash } from 'node:crypto';
import type { ScenarioOutcome } from './compare.ts';
import { formatChange, formatTables, summaryLine } from './format-table.ts';
import { formatNumber } from './rules.ts';

/**
 * GitHub Actions output: each scenario's table folded in a `::group::`, then one `::error` annotation per
 * failing metric or scenario problem (file = the scenario file, title = scenario and metric), then the
 * summary line. Workflow-command data is escaped as the runner requires (%, CR, LF; also : and , in
 * properties); the tables are printed between `::stop-commands::` and its end token, so no text in them
 * runs as a command.
 */
export function formatGithub(outcomes: readonly ScenarioOutcome[]): string {
  const out: string[] = [];
  for (const o of outcomes) {
    out.push(`::group::${data(`${o.pass ? 'PASS' : 'FAIL'} ${o.name}`)}`);
    out.push(verbatim(formatTables([o], { verbose: true }).trimEnd().split('\n').slice(0, -1).join('\n').trimEnd()));
    out.push('::endgroup::');
  }
  for (const o of outcomes) {
    for (const p of o.problems) out.push(`::error file=${prop(o.file)},title=${prop(`hmsim check ${o.name}`)}::${data(p)}`);
    for (const m of o.metrics) {
      if (m.verdict === 'pass') continue;
      const msg =
        `${m.metric}: baseline ${m.baseline === null ? '-' : formatNumber(m.baseline)}, ` +
        `now ${formatNumber(m.now)} (${formatChange(m)}): ${m.reason}`;
      out.push(`::error file=${prop(o.file)},title=${prop(`hmsim check ${o.name}: ${m.metric}`)}::${data(msg)}`);
    }
    for (const n of o.notes) if (!o.pass) out.push(`::notice file=${prop(o.file)},title=${prop(`hmsim check ${o.name}`)}::${data(n)}`);
  }
  out.push(verbatim(summaryLine(outcomes)));
  return out.join('\n') + '\n';
}

/**
 * `text` shown as written: a scenario or metric name may hold a line break followed by `::`, so the
 * runner is told to read no workflow command until an end token derived from the text itself.
 */
function verbatim(text: string): string {
  const token = createHash('sha256').update(text).digest('hex').slice(0, 32);
  return `::stop-commands::${token}\n${text}\n::${token}::`;
}

function data(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function prop(s: string): string {
  return data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
