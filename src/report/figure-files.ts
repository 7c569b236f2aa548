import { crc32 } from 'node:zlib';
import { HMSIM_VERSION } from '../version.ts';
import { shellQuote, type Provenance } from './provenance.ts';

/**
 * The files of one figure — SVG, PNG, PDF — each carrying the figure's provenance inside it, so a
 * figure copied out of its report folder (into a paper's repository, a slide) still says how it was
 * made:
 *
 *   SVG ── <title>, <desc>, <metadata> (Dublin Core + the provenance as JSON)
 *   PNG ── tEXt chunks (Title, Description, Software, Source, Comment) before IEND
 *   PDF ── the document information dictionary (Title, Subject, Keywords, Creator, Producer)
 *
 * The files themselves are drawn in figure-images.ts (resvg, PDFKit: loaded only by what renders).
 * Every file is deterministic: the same figure gives the same bytes (no time stamp, no random id).
 */

/** What a figure says about itself. */
export interface FigureMetadata {
  readonly title: string;
  readonly description: string;
  /** Where the numbers come from: command line, traces, models, seed (see `figureSource`). */
  readonly source: string;
  /** The full provenance, as JSON (SVG metadata and the PNG Comment chunk). */
  readonly provenanceJson: string;
}

/** The figure's metadata from the report's provenance. */
export function figureMetadata(title: string, description: string, provenance: Provenance): FigureMetadata {
  return { title, description, source: figureSource(provenance), provenanceJson: JSON.stringify(provenance) };
}

/** One line: the command, then each trace (path and digest prefix) and model (name and hash prefix). */
export function figureSource(p: Provenance): string {
  const parts = [
    p.command.map(shellQuote).join(' '),
    ...p.traces.map((t) => `trace ${t.path} sha256:${t.sha256.slice(0, 16)}`),
    ...p.models.map((m) => `model ${m.name} ${m.hash.slice(0, 16)}`),
    `seed ${p.seed === null ? 'none' : p.seed}`,
    `replications ${p.replications}`,
    ...(p.gitCommit ? [`hmsim ${p.hmsimVersion} ${p.gitCommit.slice(0, 12)}`] : [`hmsim ${p.hmsimVersion}`]),
  ];
  return parts.join('; ');
}

const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for XML content and attribute values. */
function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] as string);
}

/**
 * The SVG with `<title>`, `<desc>` and a `<metadata>` element (Dublin Core title, description,
 * source, creator; the provenance JSON) inserted as the root element's first children.
 */
export function svgWithMetadata(svg: string, meta: FigureMetadata): string {
  const open = svg.indexOf('<svg');
  const end = open < 0 ? -1 : svg.indexOf('>', open);
  if (end < 0) throw new Error('svgWithMetadata: no <svg> root element');
  const inserted = [
    `<title>${xmlEscape(meta.title)}</title>`,
    `<desc>${xmlEscape(meta.description)}</desc>`,
    '<metadata>',
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/">',
    '<rdf:Description>',
    `<dc:title>${xmlEscape(meta.title)}</dc:title>`,
    `<dc:description>${xmlEscape(meta.description)}</dc:description>`,
    `<dc:source>${xmlEscape(meta.source)}</dc:source>`,
    `<dc:creator>hmsim ${xmlEscape(HMSIM_VERSION)}</dc:creator>`,
    '</rdf:Description>',
    '</rdf:RDF>',
    `<hmsim:provenance xmlns:hmsim="urn:hmsim:provenance">${xmlEscape(meta.provenanceJson)}</hmsim:provenance>`,
    '</metadata>',
  ].join('');
  return svg.slice(0, end + 1) + inserted + svg.slice(end + 1);
}

/** Latin-1 bytes of text (PNG tEXt is ISO 8859-1); characters outside it become '?'. */
function latin1(text: string): Buffer {
  return Buffer.from(text.replace(/[^\u0020-\u007e\u00a0-\u00ff\n]/g, '?'), 'latin1');
}

/** One PNG chunk: length, type, data, CRC-32 over type and data (PNG spec §5.3). */
function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** The tEXt keyword/value pairs of a figure (PNG spec §11.3.4.2 predefined keywords). */
export function pngTextEntries(meta: FigureMetadata): ReadonlyArray<readonly [string, string]> {
  return [
    ['Title', meta.title],
    ['Description', meta.description],
    ['Software', `hmsim ${HMSIM_VERSION}`],
    ['Source', meta.source],
    ['Comment', meta.provenanceJson],
  ];
}

/** The PNG with one tEXt chunk per entry of `pngTextEntries`, inserted before IEND. */
export function pngWithText(png: Uint8Array, meta: FigureMetadata): Uint8Array {
  const bytes = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  const iend = bytes.length - 12; // IEND is the last chunk: 4 length + 4 type + 0 data + 4 CRC
  if (iend < 8 || bytes.toString('latin1', iend + 4, iend + 8) !== 'IEND') throw new Error('pngWithText: no IEND chunk at the end');
  const chunks = pngTextEntries(meta).map(([key, value]) =>
    pngChunk('tEXt', Buffer.concat([latin1(key), Buffer.from([0]), latin1(value)])),
  );
  return new Uint8Array(Buffer.concat([bytes.subarray(0, iend), ...chunks, bytes.subarray(iend)]));
}

/** Reads the tEXt chunks of a PNG (keyword → text). */
export function readPngText(png: Uint8Array): Map<string, string> {
  const bytes = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  const out = new Map<string, string>();
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (type === 'tEXt') {
      const data = bytes.subarray(at + 8, at + 8 + length);
      const nul = data.indexOf(0);
      out.set(data.toString('latin1', 0, nul), data.toString('latin1', nul + 1));
    }
    at += 12 + length;
  }
  return out;
}
