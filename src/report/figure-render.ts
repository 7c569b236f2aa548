/**
 * Rendering one figure's files — SVG, PNG, PDF, each with its provenance inside (figure-files.ts) — from
 * its Vega-Lite spec: the slow part of a report (vega's headless view, resvg, PDFKit). A figure is drawn
 * in steps, each plain data in and out, so that the steps can run on other threads (a sweep with
 * --jobs N spreads its report's steps over this thread and N − 1 workers) and give the same bytes:
 *
 *   spec ──(svg step: vega)──► SVG text ──┬──(png step: resvg)──► PNG bytes
 *                                         └──(pdf step: PDFKit)──► PDF bytes
 *
 * The PNG and PDF steps of one figure can run at once, and the steps of a large figure need not wait
 * behind those of the others. Only the SVG file's metadata is added where the figure is assembled.
 */
import type { TopLevelSpec } from 'vega-lite';
import { pngWithText, svgWithMetadata, type FigureMetadata } from './figure-files.ts';
import type { ReportFormat } from './formats.ts';
import { renderSvg } from './render.ts';
import { loadVega } from './vega.ts';

/** A format rendered from a figure's SVG. */
export type ImageFormat = Exclude<ReportFormat, 'html'>;

/** One figure to render. */
export interface FigureRequest {
  readonly spec: TopLevelSpec;
  readonly meta: FigureMetadata;
  /** The files wanted (at least one; the SVG is rendered in any case, PNG and PDF are made from it). */
  readonly formats: readonly ImageFormat[];
}

/** A rendered figure: the file of each format asked for. */
export interface RenderedFigure {
  readonly svg?: string;
  readonly png?: Uint8Array;
  readonly pdf?: Uint8Array;
}

/** Renders figures: here (`renderFigure`), or with its steps on other threads (`renderFigureWith`). */
export type FigureRenderer = (request: FigureRequest) => Promise<RenderedFigure>;

/** One step of drawing a figure: its SVG text from the spec, or one image file from the SVG text. */
export type FigureStep =
  | { readonly step: 'svg'; readonly spec: TopLevelSpec }
  | { readonly step: 'png' | 'pdf'; readonly svg: string; readonly meta: FigureMetadata };

/** What a step gives: the SVG text (without metadata) for 'svg', the file's bytes for 'png' and 'pdf'. */
export type FigureStepOutput = string | Uint8Array;

/** Runs figure steps: `runFigureStep` here, or a pool's threads. */
export type FigureStepRunner = (step: FigureStep) => Promise<FigureStepOutput>;

/** Loads what rendering needs besides this module's own imports (vega and vega-lite, resvg, PDFKit). */
export async function loadRenderer(): Promise<void> {
  await Promise.all([loadVega(), import('./figure-images.ts')]);
}

/** Runs one step in this thread. */
export async function runFigureStep(step: FigureStep): Promise<FigureStepOutput> {
  if (step.step === 'svg') {
    await loadVega();
    return renderSvg(step.spec);
  }
  const { renderPdf, renderPng } = await import('./figure-images.ts');
  return step.step === 'png' ? pngWithText(renderPng(step.svg, 2), step.meta) : renderPdf(step.svg, step.meta);
}

/** Renders `request` with `run` doing its steps: the SVG first, then its PNG and PDF at once. */
export async function renderFigureWith(request: FigureRequest, run: FigureStepRunner): Promise<RenderedFigure> {
  const svg = await run({ step: 'svg', spec: request.spec });
  if (typeof svg !== 'string') throw new Error('figure: the SVG step returned no text');
  const formats = new Set(request.formats);
  const image = async (step: 'png' | 'pdf'): Promise<Uint8Array | undefined> => {
    if (!formats.has(step)) return undefined;
    const bytes = await run({ step, svg, meta: request.meta });
    if (!(bytes instanceof Uint8Array)) throw new Error(`figure: the ${step.toUpperCase()} step returned no bytes`);
    return bytes;
  };
  const [png, pdf] = await Promise.all([image('png'), image('pdf')]);
  return {
    ...(formats.has('svg') ? { svg: svgWithMetadata(svg, request.meta) } : {}),
    ...(png !== undefined ? { png } : {}),
    ...(pdf !== undefined ? { pdf } : {}),
  };
}

/** Renders `request` in this thread: the spec is compiled once, its SVG drawn once. */
export function renderFigure(request: FigureRequest): Promise<RenderedFigure> {
  return renderFigureWith(request, runFigureStep);
}
