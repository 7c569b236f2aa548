import type { Config } from 'vega-lite';
import { vegaModules } from './vega.ts';

/**
 * Report themes.
 *
 * - `default`: screen reports — sans-serif, roomy sizes, the same viridis palette as `paper` (Tableau's
 *   hues looked lively but nine of its categories fall within a few units of lightness of each other:
 *   unreadable in grayscale print-outs and for many colour-blind readers), white outlines between
 *   stacked segments.
 * - `paper`: figures for print — serif font, sizes that fit a single journal column (≈ 3.4 in, drawn
 *   at 250 px so 1 px ≈ 1 pt), and a palette sampled from viridis: colour-blind safe and ordered by
 *   lightness, so neighbouring colours stay distinct when printed in grayscale. Stacked segments get a
 *   white outline for the same reason.
 * Palettes come from Vega's schemes: `loadVega()` (vega.ts) must be done before a palette is asked for.
 */

/** Theme names accepted by `--theme`. */
export const THEME_NAMES = ['default', 'paper'] as const;
export type ThemeName = (typeof THEME_NAMES)[number];

/** What a chart builder needs to know about the theme. */
export interface Theme {
  readonly name: ThemeName;
  /** Vega-Lite config embedded in every spec. */
  readonly config: Config;
  /** Width of a single chart or facet cell, px. */
  readonly width: number;
  /** Height per bar or per row band, px. */
  readonly band: number;
  /** Outline of stacked bar segments (null: none). */
  readonly segmentStroke: string | null;
  /** `n` categorical colours, as CSS colour strings. */
  palette(n: number): string[];
}

const SANS = 'DejaVu Sans, Liberation Sans, Helvetica, Arial, sans-serif';
const SERIF = 'Times New Roman, Liberation Serif, DejaVu Serif, Times, serif';

/**
 * `n` colours sampled evenly from viridis on [0, 0.92] (the lightest yellow is left out so that every
 * colour shows on white paper). Viridis has monotonic lightness, so the samples stay distinguishable
 * in grayscale, and it is designed for colour-vision deficiency.
 */
export function viridisPalette(n: number): string[] {
  const interpolate = vegaModules().vega.scheme('viridis') as (t: number) => string;
  if (n <= 1) return [interpolate(0.35)];
  return Array.from({ length: n }, (_, i) => interpolate((0.92 * i) / (n - 1)));
}

/** Builds the theme of the given name. */
export function theme(name: ThemeName = 'default'): Theme {
  if (name === 'paper') {
    return {
      name,
      width: 250,
      band: 14,
      segmentStroke: 'white',
      palette: viridisPalette,
      config: {
        background: 'white',
        font: SERIF,
        padding: 4,
        title: { fontSize: 10, subtitleFontSize: 8, anchor: 'start', font: SERIF, subtitleFont: SERIF },
        axis: { labelFontSize: 8, titleFontSize: 9, labelFont: SERIF, titleFont: SERIF, grid: false, tickSize: 3 },
        legend: {
          labelFontSize: 8,
          titleFontSize: 8,
          symbolSize: 60,
          labelFont: SERIF,
          titleFont: SERIF,
          orient: 'bottom',
          columns: 2,
          columnPadding: 8,
          labelLimit: 110,
        },
        header: { labelFontSize: 8, titleFontSize: 9, labelFont: SERIF, titleFont: SERIF },
        text: { font: SERIF, fontSize: 7 },
        view: { stroke: null },
      },
    };
  }
  return {
    name,
    width: 560,
    band: 26,
    segmentStroke: 'white',
    palette: viridisPalette,
    config: {
      background: 'white',
      font: SANS,
      padding: 8,
      title: { fontSize: 15, subtitleFontSize: 11, anchor: 'start', subtitleColor: '#555' },
      axis: { labelFontSize: 11, titleFontSize: 12 },
      legend: { labelFontSize: 11, titleFontSize: 12 },
      header: { labelFontSize: 11, titleFontSize: 12 },
      text: { fontSize: 10 },
    },
  };
}
