import type { ScenarioOutcome } from './compare.ts';
import { formatChange } from './format-table.ts';
import { formatNumber } from './rules.ts';

/**
 * JUnit XML (the common Jenkins/GitLab/GitHub dialect): one <testsuite> per scenario, one <testcase> per
 * metric (classname `hmsim.check.<scenario>`, name = metric), a <failure> for each regression, and a
 * `(scenario)` testcase carrying scenario-level problems (no baseline, infeasible run).
 */
export function formatJunit(outcomes: readonly ScenarioOutcome[]): string {
  const total = outcomes.reduce((n, o) => n + o.metrics.length + (o.problems.length > 0 ? 1 : 0), 0);
  const failures = outcomes.reduce((n, o) => n + o.metrics.filter((m) => m.verdict !== 'pass').length + (o.problems.length > 0 ? 1 : 0), 0);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="hmsim check" tests="${total}" failures="${failures}" errors="0">`);
  for (const o of outcomes) {
    const tests = o.metrics.length + (o.problems.length > 0 ? 1 : 0);
    const fails = o.metrics.filter((m) => m.verdict !== 'pass').length + (o.problems.length > 0 ? 1 : 0);
    out.push(`  <testsuite name="${attr(o.name)}" tests="${tests}" failures="${fails}" errors="0" skipped="0" file="${attr(o.file)}">`);
    if (o.notes.length > 0) {
      out.push('    <properties>');
      o.notes.forEach((n, i) => {
        out.push(`      <property name="note.${i + 1}" value="${attr(n)}"/>`);
      });
      out.push('    </properties>');
    }
    const classname = `hmsim.check.${o.name}`;
    if (o.problems.length > 0) {
      out.push(`    <testcase classname="${attr(classname)}" name="(scenario)">`);
      out.push(`      <failure type="problem" message="${attr(o.problems[0] ?? '')}">${text(o.problems.join('\n'))}</failure>`);
      out.push('    </testcase>');
    }
    for (const m of o.metrics) {
      const open = `    <testcase classname="${attr(classname)}" name="${attr(m.metric)}"`;
      if (m.verdict === 'pass') {
        out.push(`${open}/>`);
        continue;
      }
      const message =
        `${m.metric}: baseline ${m.baseline === null ? '-' : formatNumber(m.baseline)}, ` +
        `now ${formatNumber(m.now)} (${formatChange(m)}): ${m.reason}`;
      out.push(`${open}>`);
      out.push(
        `      <failure type="${m.verdict === 'missing' ? 'missing-baseline' : 'regression'}" ` +
          `message="${attr(message)}">${text(message)}</failure>`,
      );
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

/** Characters XML 1.0 cannot carry at all (control characters other than tab, LF, CR). */
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

function text(s: string): string {
  return s.replace(INVALID_XML, '?').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
