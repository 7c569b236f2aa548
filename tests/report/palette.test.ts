import { beforeAll, describe, expect, it } from 'vitest';
import { THEME_NAMES, theme } from '../../src/report/theme.ts';
import { loadVega } from '../../src/report/vega.ts';

/** sRGB channel 0..255 → linear light (IEC 61966-2-1). */
function linear(c: number): number {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

/** CIE L* (0 black … 100 white) of a CSS colour '#rrggbb' or 'rgb(r, g, b)': its lightness in grayscale. */
function lightness(css: string): number {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(css);
  const rgb = /^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/.exec(css);
  const m = hex ? hex.slice(1).map((h) => parseInt(h, 16)) : rgb ? rgb.slice(1).map(Number) : null;
  if (!m) throw new Error(`not a colour: ${css}`);
  const [r, g, b] = m.map(linear) as [number, number, number];
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b; // Rec. 709 luminance: what a grayscale conversion keeps
  return y > 216 / 24389 ? 116 * Math.cbrt(y) - 16 : (24389 / 27) * y;
}

describe('palettes read in grayscale', () => {
  beforeAll(async () => {
    await loadVega();
  });

  it('lightness of known colours (the converter itself)', () => {
    expect(lightness('#000000')).toBe(0);
    expect(lightness('#ffffff')).toBeCloseTo(100, 6);
    expect(lightness('rgb(119, 119, 119)')).toBeCloseTo(50.03, 1); // mid grey
  });

  for (const name of THEME_NAMES) {
    it(`theme ${name}: any two of up to 9 categories differ by ≥ 8 L*, of up to 13 by ≥ 5 L*, on white paper`, () => {
      for (let n = 2; n <= 13; n++) {
        const ls = theme(name).palette(n).map(lightness);
        const sorted = [...ls].sort((a, b) => a - b);
        const minGap = Math.min(...sorted.slice(1).map((l, i) => l - sorted[i]!));
        expect(minGap, `n=${n}: ${ls.map((l) => l.toFixed(1)).join(' ')}`).toBeGreaterThanOrEqual(n <= 9 ? 8 : 5);
        // the lightest category still shows on white (L* 100)
        expect(Math.max(...ls)).toBeLessThanOrEqual(92);
      }
    });

    it(`theme ${name}: stacked segments are outlined`, () => {
      expect(theme(name).segmentStroke).toBe('white');
    });
  }

  it('the old Tableau-10 would fail the rule (control)', () => {
    const tableau9 = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d'];
    const sorted = tableau9.map(lightness).sort((a, b) => a - b);
    expect(Math.min(...sorted.slice(1).map((l, i) => l - sorted[i]!))).toBeLessThan(8);
  });
});
