/**
 * Names from the user are shown as written and never act: Markdown (raw HTML, pipes, line breaks), CSV
 * (formula cells), GitHub workflow commands (a line break then `::` in a scenario name), JUnit XML.
 */
import { describe, expect, it } from 'vitest';
import { csvCell, markdownText } from '../../src/report/escape.ts';
import { tableToMarkdown, type Table } from '../../src/report/tables.ts';
import { formatGithub } from '../../src/check/format-github.ts';
import { formatJunit } from '../../src/check/format-junit.ts';
import type { ScenarioOutcome } from '../../src/check/compare.ts';

describe('Markdown', () => {
  it('raw HTML, pipes and line breaks in a name are text', () => {
    expect(markdownText('<img src=x onerror=alert(1)> & co|x\ny\r\nz')).toBe('&lt;img src=x onerror=alert(1)&gt; &amp; co\\|x y z');
  });

  it('a table whose caption and cells hold HTML (summary.md)', () => {
    const t: Table = {
      id: 't',
      caption: 'Runs of <b>trace</b>',
      header: ['configuration', 'cycles'],
      align: ['left', 'right'],
      rows: [['<script>x</script>', '1']],
    };
    expect(tableToMarkdown(t)).toBe(
      '**Runs of &lt;b&gt;trace&lt;/b&gt;**\n\n| configuration | cycles |\n|:---|---:|\n| &lt;script&gt;x&lt;/script&gt; | 1 |',
    );
  });
});

describe('CSV', () => {
  it('quotes as RFC 4180 and defuses formula cells, leaving numbers alone', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell('+cmd')).toBe("'+cmd");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('-0.5')).toBe('-0.5');
    expect(csvCell(-12)).toBe('-12');
    expect(csvCell('3g1g-highmem')).toBe('3g1g-highmem');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell(null)).toBe('');
  });
});

describe('GitHub workflow commands and JUnit', () => {
  const hostile = 'x\n::warning title=pwned::injected\n::add-mask::y';
  const outcome: ScenarioOutcome = {
    name: hostile,
    file: `scenarios/${hostile}.json`,
    metrics: [],
    problems: ['no baseline'],
    notes: [],
    pass: false,
  };

  it('no line outside a stop-commands block is a command hmsim did not write', () => {
    const lines = formatGithub([outcome]).split('\n');
    let stopped: string | null = null;
    const commands: string[] = [];
    for (const line of lines) {
      if (stopped !== null) {
        if (line === `::${stopped}::`) stopped = null;
        continue;
      }
      const stop = /^::stop-commands::([0-9a-f]{32})$/.exec(line);
      if (stop) stopped = stop[1]!;
      else if (line.startsWith('::')) commands.push(line.slice(2).split(/[ :]/)[0]!);
    }
    expect(stopped).toBeNull();
    expect(commands).toEqual(['group', 'endgroup', 'error']);
    const error = lines.find((l) => l.startsWith('::error '))!;
    expect(error).toBe(
      '::error file=scenarios/x%0A%3A%3Awarning title=pwned%3A%3Ainjected%0A%3A%3Aadd-mask%3A%3Ay.json,title=hmsim ' +
        'check x%0A%3A%3Awarning title=pwned%3A%3Ainjected%0A%3A%3Aadd-mask%3A%3Ay::no baseline',
    );
  });

  it('JUnit carries the name as escaped XML', () => {
    const xml = formatJunit([{ ...outcome, name: '<a b="c">&' }]);
    expect(xml).toContain('<testsuite name="&lt;a b=&quot;c&quot;&gt;&amp;"');
    expect(xml).not.toContain('<a b=');
  });
});
