import type { TopLevelSpec } from 'vega-lite';
import { loadVega, vegaModules, type VegaModules } from './vega.ts';

/**
 * Headless rendering of Vega-Lite specs:
 *
 *   Vega-Lite spec ──(1) compile──► Vega spec ──(2) parse + View(renderer none)──► SVG text
 *
 * (PNG and PDF are drawn from the SVG text by figure-images.ts.)
 *
 * No browser and no network: the data is inline, and fonts come from the system (resvg loads them).
 * Vega and Vega-Lite are loaded on first need (vega.ts): `compileSpec` needs `loadVega()` done.
 */

/** A compiled spec and the warnings vega-lite logged while compiling it. */
export interface Compiled {
  readonly vega: ReturnType<VegaModules['vegaLite']['compile']>['spec'];
  readonly warnings: readonly string[];
}

/** (1) Compiles a Vega-Lite spec to Vega, collecting warnings instead of printing them. */
export function compileSpec(spec: TopLevelSpec): Compiled {
  const warnings: string[] = [];
  const collect = (...args: readonly unknown[]): void => {
    warnings.push(args.map(String).join(' '));
  };
  let level = 0;
  const logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error: (...a: readonly unknown[]) => (collect(...a), logger),
    warn: (...a: readonly unknown[]) => (collect(...a), logger),
    info: () => logger,
    debug: () => logger,
  };
  const vega = vegaModules().vegaLite.compile(spec, { logger: logger as never }).spec;
  return { vega, warnings };
}

/** (1)+(2) Renders a Vega-Lite spec to SVG text. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { vega: v } = await loadVega();
  const { vega } = compileSpec(spec);
  const view = new v.View(v.parse(vega), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
