/**
 * The image files of a figure drawn from its SVG text: PNG (resvg) and PDF (PDFKit with svg-to-pdfkit).
 * The libraries are large (PDFKit loads fontkit and its compressed tables), so only code that draws a
 * figure imports this module, and always on first need (`await import`): a command that writes no
 * image starts without them.
 */
import { Resvg } from '@resvg/resvg-js';
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { HMSIM_VERSION } from '../version.ts';
import type { FigureMetadata } from './figure-files.ts';

/** Rasterizes SVG text to PNG bytes at `scale` × its size (2 for reports). */
export function renderPng(svg: string, scale = 2): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', serifFamily: 'DejaVu Serif' },
  });
  return resvg.render().asPng();
}

/** Width and height of an SVG's root element, px. */
function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const width = Number(/\swidth="([\d.]+)"/.exec(root)?.[1]);
  const height = Number(/\sheight="([\d.]+)"/.exec(root)?.[1]);
  if (!(width > 0 && height > 0)) throw new Error('svgSize: the SVG root has no width and height');
  return { width, height };
}

/**
 * The PDF's standard font for an SVG font-family list: a serif list (the paper theme) gets Times, any
 * other Helvetica. PDF's 14 standard fonts need no embedding, so a figure stays a few kB and any
 * LaTeX toolchain takes it.
 */
function standardFont(family: string, bold: boolean, italic: boolean): string {
  const first =
    family
      .split(',')[0]
      ?.trim()
      .replace(/^['"]|['"]$/g, '')
      .toLowerCase() ?? '';
  const serif = /serif|times|georgia/.test(first) && !/sans/.test(first);
  if (serif) return bold ? (italic ? 'Times-BoldItalic' : 'Times-Bold') : italic ? 'Times-Italic' : 'Times-Roman';
  return bold ? (italic ? 'Helvetica-BoldOblique' : 'Helvetica-Bold') : italic ? 'Helvetica-Oblique' : 'Helvetica';
}

/**
 * A fixed date for the PDF's CreationDate and ModDate: the same figure must give the same bytes (PDFKit
 * derives the file identifier from the information dictionary, dates included).
 */
const FIXED_DATE = new Date(Date.UTC(2000, 0, 1));

/**
 * The figure as a one-page vector PDF the size of the SVG (1 px = 1 pt, so a paper-theme figure of
 * 250 px is 250 pt ≈ 3.5 in wide: one journal column), with the metadata in the information dictionary.
 */
export function renderPdf(svg: string, meta: FigureMetadata): Promise<Uint8Array> {
  const { width, height } = svgSize(svg);
  const doc = new PDFDocument({
    size: [width, height],
    margin: 0,
    compress: true,
    autoFirstPage: true,
    info: {
      Title: meta.title,
      Subject: meta.description,
      Keywords: meta.source,
      Creator: `hmsim ${HMSIM_VERSION}`,
      Producer: 'hmsim (PDFKit)',
      CreationDate: FIXED_DATE,
      ModDate: FIXED_DATE,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Uint8Array>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    doc.on('error', reject);
  });
  SVGtoPDF(doc, svg, 0, 0, { width, height, assumePt: true, fontCallback: standardFont });
  doc.end();
  return done;
}
