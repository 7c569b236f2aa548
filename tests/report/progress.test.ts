import { describe, expect, it } from 'vitest';
import { createProgress, progressLine, type ProgressStream } from '../../src/report/progress.ts';

function fakeStream(isTTY: boolean): ProgressStream & { text: string } {
  const s = {
    isTTY,
    columns: 100,
    text: '',
    write(t: string) {
      s.text += t;
      return true;
    },
  };
  return s;
}

describe('progress bar', () => {
  it('formats records, percentage, rate and time left', () => {
    // 1.2M of 2.4M in 2 s → 600k rec/s, 1.2M left → 2 s.
    expect(progressLine(1_200_000, 2_400_000, 2, 'replay', 100)).toBe(
      'replay [###############...............]  50%  1.2M/2.4M records  600.0k rec/s  ETA 0:02',
    );
  });

  it('fits the terminal width', () => {
    expect(progressLine(5, 10, 1, 'x', 40).length).toBeLessThanOrEqual(39);
  });

  it('writes nothing when stderr is not a terminal', () => {
    const s = fakeStream(false);
    const p = createProgress({ total: 10, stream: s });
    p.update(5);
    p.finish();
    expect(s.text).toBe('');
  });

  it('writes nothing with --quiet, even on a terminal', () => {
    const s = fakeStream(true);
    const p = createProgress({ total: 10, stream: s, quiet: true });
    p.update(5);
    expect(s.text).toBe('');
  });

  it('redraws one line at most every interval and clears it at the end', () => {
    const s = fakeStream(true);
    let t = 0;
    const p = createProgress({ total: 100, stream: s, now: () => t, intervalMs: 100 });
    t = 1000;
    p.update(10);
    t = 1050;
    p.update(20); // within the interval: skipped
    t = 1200;
    p.update(30);
    p.finish();
    p.update(40); // after finish: nothing
    const draws = s.text.split('\r').filter((x) => x !== '');
    expect(draws).toHaveLength(3); // two draws and the clear
    expect(draws[0]).toContain(' 10%');
    expect(draws[1]).toContain(' 30%');
    expect(draws[2]).toBe('\u001b[K');
    expect(s.text).not.toContain('\n');
  });

  it('takes the total from update when it was unknown at creation', () => {
    const s = fakeStream(true);
    const p = createProgress({ total: 0, stream: s, now: () => 1000 });
    p.update(25, 100);
    expect(s.text).toContain(' 25%  25/100 records');
  });
});
