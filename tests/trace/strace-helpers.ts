import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { ROOT } from '../helpers/cli.ts';
import { EVENT_KIND_NAMES, type TraceRecord } from '../../src/trace/records.ts';
import type { Importer, ImportOptions, ImportStats } from '../../src/trace/importers/registry.ts';

/** Runs an importer on a fixture file (or a string) into memory. */
export async function importToMemory(
  importer: Importer,
  input: { file: string } | { text: string; name?: string },
  options: Partial<ImportOptions> = {},
): Promise<{ records: TraceRecord[]; stats: ImportStats }> {
  const records: TraceRecord[] = [];
  const sink = { push: (r: TraceRecord) => void records.push({ ...r }), close: async () => undefined };
  let stream: NodeJS.ReadableStream;
  let file: string;
  if ('file' in input) {
    file = input.file;
    const raw = createReadStream(`${ROOT}${input.file}`);
    stream = input.file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  } else {
    file = input.name ?? 'test.log';
    stream = Readable.from([input.text]);
  }
  const stats = await importer.run(stream, sink, { file, skipBad: false, ...options });
  return { records, stats };
}

/** Records by kind name. */
export function byKind(records: readonly TraceRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) out[EVENT_KIND_NAMES[r.kind]!] = (out[EVENT_KIND_NAMES[r.kind]!] ?? 0) + 1;
  return out;
}
