/**
 * Rendering one figure's files — SVG, PNG, PDF, each with its provenance inside (figure-files.ts) — from
 * its Vega-Lite spec: the slow part of a report (vega's headless view, resvg, PDFKit). A request and its
 * result are plain data, so a figure can be rendered in a worker thread (a sweep with --jobs N renders
 * its report's figures on its worker threads) and give the same bytes as in this one.
 */
import type { TopLevelSpec } from 'vega-lite';
import { pngWithText, renderPdf, svgWithMetadata, type FigureMetadata } from './figure-files.ts';
import type { ReportFormat } from './formats.ts';
import { renderPng, renderSvg } from './render.ts';
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

/** Renders figures: here (`renderFigure`), or on other threads. */
export type FigureRenderer = (request: FigureRequest) => Promise<RenderedFigure>;

/** Loads what rendering needs besides this module's own imports (vega and vega-lite, loaded on first need). */
export async function loadRenderer(): Promise<void> {
  await loadVega();
}

/** Renders `request` in this thread: the spec is compiled once, its SVG drawn once. */
export async function renderFigure(request: FigureRequest): Promise<RenderedFigure> {
  await loadVega();
  const svg = await renderSvg(request.spec);
  const formats = new Set(request.formats);
  return {
    ...(formats.has('svg') ? { svg: svgWithMetadata(svg, request.meta) } : {}),
    ...(formats.has('png') ? { png: pngWithText(renderPng(svg, 2), request.meta) } : {}),
    ...(formats.has('pdf') ? { pdf: await renderPdf(svg, request.meta) } : {}),
  };
}
