/**
 * `hmsim trace inspect FILE [--json]`: what is in an HMT trace (src/trace/inspect.ts), as text or as one
 * JSON object. `hmsim trace verify FILE`: reads the whole trace, checks every checksum and recomputes its
 * digest; one line on stdout, exit 0 (intact), 1 (a checksum, a footer total or the stored digest does
 * not match: the file is damaged), 2 (not readable as HMT: one line on stderr).
 */
import type { Command } from 'commander';
import { openTrace } from '../trace/hmt/reader.ts';
import { TraceIntegrityError } from '../trace/hmt/messages.ts';
/** Exit status of `trace verify` for a damaged file (0: intact; unreadable input: 2, as every command). */
const EXIT_DAMAGED = 1;
import { inspectTrace, type TraceInspection } from '../trace/inspect.ts';
import { hex32 } from '../units/address.ts';

export function register(program: Command): void {
  const trace = program.command('trace').description('work with HMT traces');
  trace
    .command('inspect')
    .description('show what a trace holds: counts by kind/CPU/pid, pages, highest address, splits it fits, duration')
    .argument('<file>', 'HMT trace (.hmt or .hmt.gz)')
    .option('--json', 'print one JSON object')
    .action(async (file: string, options: { json?: boolean }) => {
      const info = await inspectTrace(await openTrace(file));
      process.stdout.write(options.json === true ? JSON.stringify(info, null, 2) + '\n' : formatInspection(info));
    });
  trace
    .command('verify')
    .description('check every checksum and recompute the digest: exit 0 intact, 1 damaged, 2 unreadable')
    .argument('<file>', 'HMT trace (.hmt or .hmt.gz)')
    .action(async (file: string) => {
      const reader = await openTrace(file);
      try {
        const v = await reader.verify();
        process.stdout.write(v.line + '\n');
        if (!v.ok) process.exitCode = EXIT_DAMAGED;
      } catch (err) {
        if (!(err instanceof TraceIntegrityError)) throw err;
        process.stdout.write(err.message + '\n');
        process.exitCode = EXIT_DAMAGED;
      }
    });
}

const n = (v: number): string => v.toLocaleString('en-US');

/** The text report of `hmsim trace inspect`. */
export function formatInspection(i: TraceInspection): string {
  const h = i.header;
  const lines: string[] = [];
  lines.push(`trace        ${i.file}${i.gzip ? ' (gzip)' : ''}`);
  lines.push(
    `sha256       ${i.sha256} ` +
      `(${i.digest === 'content' ? 'content digest stored in the footer' : 'of the file: no stored digest, computed'})`,
  );
  lines.push(
    `header       HMT ${h.version}, source ${h.source}, ${h.cpus} ` +
      `CPU${h.cpus === 1 ? '' : 's'}, page size ${h.pageSize}, ${h.addressBits}-bit addresses`,
  );
  if (h.capture !== undefined) {
    const c = h.capture;
    lines.push(
      `captured on  ${c.config}, kernel ${c.kernel}, RAM end ${n(c.ram)} bytes` +
        `${c.cpus !== undefined ? `, ${c.cpus} CPUs` : ''}${c.release !== undefined ? `, ${c.release}` : ''}`,
    );
  }
  if (h.observed !== undefined && h.observed.length > 0) {
    lines.push(`observed     ${h.observed.join(', ')} (records of their own: the replay does not derive them)`);
  }
  if (Object.keys(h.provenance).length > 0) lines.push(`provenance   ${JSON.stringify(h.provenance)}`);
  lines.push(`records      ${n(i.records)} in ${n(i.chunks)} chunk${i.chunks === 1 ? '' : 's'}`);
  const kinds = Object.entries(i.byKind).filter(([, c]) => c > 0);
  lines.push(`by kind      ${kinds.length === 0 ? '-' : kinds.map(([k, c]) => `${k} ${n(c)}`).join(', ')}`);
  if (i.byKind.access > 0) {
    const a = i.byAccessOp;
    lines.push(`accesses     ifetch ${n(a.ifetch)}, load ${n(a.load)}, store ${n(a.store)}, modify ${n(a.modify)}`);
  }
  lines.push(
    `by CPU       ${
      Object.entries(i.byCpu)
        .map(([c, v]) => `${c}: ${n(v)}`)
        .join(', ') || '-'
    }`,
  );
  const pids = Object.entries(i.byPid).sort((a, b) => b[1] - a[1]);
  const shown = pids
    .slice(0, 10)
    .map(([p, v]) => `${p}: ${n(v)}`)
    .join(', ');
  lines.push(`by pid       ${shown || '-'}${pids.length > 10 ? ` (and ${pids.length - 10} more)` : ''}`);
  lines.push(`pages        ${n(i.distinctPages)} distinct user pages touched by accesses`);
  lines.push(
    `page refs    instruction ${n(i.pageReferences.instruction)}, data ${n(i.pageReferences.data)} ` +
      `(${n(i.straddlingAccesses)} accesses straddle a page boundary and count each page)`,
  );
  if (i.maxUserAddress === null) {
    lines.push('max address  - (no user addresses): fits every split');
  } else {
    lines.push(`max address  ${hex32(i.maxUserAddress)}`);
    lines.push(`fits         ${i.fits.map((f) => `${f.split} ${f.fits ? 'yes' : 'no'}`).join(', ')}`);
  }
  lines.push(
    i.duration.kind === 'time'
      ? `duration     ${(i.duration.ns / 1e9).toFixed(6)} s (timestamp span)`
      : `duration     ${n(i.duration.cycles)} compute cycles (no timestamps)`,
  );
  return lines.join('\n') + '\n';
}
