/**
 * What a kernel capture says about the box it was made on, for the trace header's `capture` map
 * (HMT 1.1): configuration preset, kernel profile, RAM, CPUs.
 *
 * Sources, later ones winning:
 * 1. the capture's header lines — ftrace's `#P:N` (CPUs) and the lines the capture kit
 *    (tools/capture/) writes before the trace: `# hmsim-capture: KEY=VALUE ...` with `release`
 *    (`uname -r`), `ram` (the end of RAM: highest zone end × page size, from /proc/zoneinfo; the installed
 *    RAM is the size whose memory map ends there, layout/lowmem.ts installedRamForEnd), `cpus`, `pti`
 *    (1 when the box runs with page-table isolation) and optionally `config`/`kernel` (preset, profile names);
 * 2. a kernel release maps to a profile: Debian's `6.1.*-686-pae` → `debian-6.1-686-pae` on `3g1g-pae`
 *    (`3g1g-pae-pti` with pti=1), `6.1.*-686` → `debian-6.1-686` on `3g1g-highmem`;
 * 3. the import options `--capture-config`, `--capture-kernel`, `--capture-ram` (installed RAM, as `--ram`).
 * Without a configuration, a kernel and a RAM size the trace has no `capture` map: replays then use the
 * captured frame numbers as they are (as HMT 1.0 traces do).
 */
import { UsageError } from '../../errors.ts';
import { parseSize } from '../../units/size.ts';
import { installedRamForEnd } from '../../layout/lowmem.ts';
import { PAGE_SHIFT } from '../../units/address.ts';
import type { CaptureInfo } from '../records.ts';

/** The header lines of a capture and what they say. */
export interface CaptureHeader {
  /** `#P:N` of an ftrace header. */
  cpus?: number;
  /** Keys of `# hmsim-capture:` lines. */
  keys: Record<string, string>;
}

/** Options that name the captured box (override the header). */
export interface CaptureOptions {
  captureConfig?: string;
  captureKernel?: string;
  captureRam?: string;
}

/** The prefix of the capture kit's header lines. */
export const CAPTURE_LINE_PREFIX = '# hmsim-capture:';

/** Parses the leading comment lines of a capture. */
export function parseCaptureHeader(text: string): CaptureHeader {
  const out: CaptureHeader = { keys: {} };
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) continue;
    const p = /#P:(\d+)/.exec(line);
    if (p) out.cpus = Number(p[1]);
    if (line.startsWith(CAPTURE_LINE_PREFIX)) {
      for (const m of line.slice(CAPTURE_LINE_PREFIX.length).matchAll(/([\w-]+)=(\S+)/g)) out.keys[m[1]!] = m[2]!;
    }
  }
  return out;
}

/** The profile and preset of a kernel release (`uname -r`), when hmsim has a profile for it. */
export function profileOfRelease(release: string, pti: boolean): { kernel: string; config: string } | undefined {
  if (/^6\.1\.\S*-686-pae$/.test(release)) return { kernel: 'debian-6.1-686-pae', config: pti ? '3g1g-pae-pti' : '3g1g-pae' };
  if (/^6\.1\.\S*-686$/.test(release)) return { kernel: 'debian-6.1-686', config: '3g1g-highmem' };
  return undefined;
}

/** The `capture` map for a trace, or undefined when the configuration, kernel or RAM is unknown. */
export function captureInfoOf(header: CaptureHeader, options: CaptureOptions): CaptureInfo | undefined {
  const k = header.keys;
  const release = k['release'];
  const byRelease = release !== undefined ? profileOfRelease(release, k['pti'] === '1') : undefined;
  const config = options.captureConfig ?? k['config'] ?? byRelease?.config;
  const kernel = options.captureKernel ?? k['kernel'] ?? byRelease?.kernel;
  const ram = options.captureRam !== undefined ? parseSize('--capture-ram', options.captureRam) : installedRamOfLine(k['ram']);
  const cpusText = k['cpus'];
  const cpus = cpusText !== undefined && /^\d+$/.test(cpusText) ? Number(cpusText) : header.cpus;
  if (config === undefined || kernel === undefined || ram === undefined) {
    const given = [options.captureConfig, options.captureKernel, options.captureRam].filter((v) => v !== undefined).length;
    if (given > 0) {
      const unknown = [
        config === undefined ? 'the configuration' : '',
        kernel === undefined ? 'the kernel profile' : '',
        ram === undefined ? 'the RAM size' : '',
      ]
        .filter((s) => s)
        .join(', ');
      throw new UsageError(
        `--capture-config, --capture-kernel and --capture-ram: ${unknown} of the captured box is unknown ` +
          `(expected all three, from the options or the capture's '${CAPTURE_LINE_PREFIX}' lines)`,
      );
    }
    return undefined;
  }
  return { config, kernel, ram, ...(cpus !== undefined ? { cpus } : {}), ...(release !== undefined ? { release } : {}) };
}

/**
 * The installed RAM of a capture line's `ram=` (the end of RAM the box's kernel saw, bytes), or undefined
 * when there is none. A `ram=` that no installed size of the modelled PC memory map ends at is a usage
 * error naming `--capture-ram`.
 */
function installedRamOfLine(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const end = parseSize(`${CAPTURE_LINE_PREFIX} ram=`, text);
  const page = 2 ** PAGE_SHIFT;
  const installed = end % page === 0 ? installedRamForEnd(end / page) : undefined;
  if (installed === undefined) {
    throw new UsageError(
      `${CAPTURE_LINE_PREFIX} ram=${text}: no installed RAM size ends there under the PC memory map hmsim models ` +
        '(expected the end of RAM a QEMU or PC box shows in /proc/zoneinfo, ' +
        'like 2147352576 for 2 GiB); give the installed RAM with --capture-ram',
    );
  }
  return installed;
}

/**
 * Reads the leading `#` lines of a byte stream (at most `maxBytes`) without losing anything: returns their
 * text and a stream that yields every byte again from the start.
 */
export async function peekHeaderLines(
  input: AsyncIterable<Uint8Array>,
  maxBytes = 1 << 16,
): Promise<{ text: string; stream: AsyncIterable<Uint8Array> }> {
  const it = input[Symbol.asyncIterator]();
  const seen: Uint8Array[] = [];
  let bytes = 0;
  let done = false;
  let text = '';
  for (;;) {
    text = Buffer.concat(seen).toString('utf8');
    const lines = text.split('\n');
    // Done when a complete line that is not a comment (or blank) was read, or enough bytes were.
    if (lines.slice(0, -1).some((l) => l.trim() !== '' && !l.startsWith('#')) || bytes >= maxBytes || done) break;
    const step = await it.next();
    if (step.done === true) {
      done = true;
      continue;
    }
    const chunk = typeof step.value === 'string' ? Buffer.from(step.value) : step.value;
    seen.push(chunk);
    bytes += chunk.length;
  }
  const head = text
    .split('\n')
    .filter((l) => l.startsWith('#'))
    .join('\n');
  async function* again(): AsyncGenerator<Uint8Array> {
    for (const c of seen) yield c;
    if (done) return;
    for (let step = await it.next(); step.done !== true; step = await it.next()) yield step.value;
  }
  return { text: head, stream: again() };
}
