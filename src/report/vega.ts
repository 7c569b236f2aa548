/**
 * Vega and Vega-Lite, loaded on first need.
 *
 * They are large (together about a third of a second to load), and only commands that write a report
 * use them; every other command starts without them. Code that builds or renders charts first awaits
 * `loadVega()` (report and sweep writers do); after that, `vegaModules()` hands the loaded modules to
 * synchronous code (compiling a spec, theme palettes).
 */
type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');

/** The loaded modules. */
export interface VegaModules {
  readonly vega: Vega;
  readonly vegaLite: VegaLite;
}

let loaded: VegaModules | undefined;
let loading: Promise<VegaModules> | undefined;

/** Loads Vega and Vega-Lite (once per process). */
export function loadVega(): Promise<VegaModules> {
  loading ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vegaLite]) => (loaded = { vega, vegaLite }));
  return loading;
}

/** The modules `loadVega()` loaded; calling this before it resolved is a bug in the caller. */
export function vegaModules(): VegaModules {
  if (loaded === undefined) throw new Error('vega is not loaded yet: await loadVega() before building or rendering charts');
  return loaded;
}
