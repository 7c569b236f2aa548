/**
 * The real kernel capture (tests/fixtures/validation/ftrace/: Debian 6.1 686-pae, 2 GB, 2 CPUs, two dd
 * into tmpfs) imported and replayed. Observe or derive, never both: every number the replay must
 * reproduce is counted here from the raw capture text, the way grep would.
 * - Under the captured configuration the replay makes exactly the capture's highmem kmap_local calls
 *   (the kprobe on __kmap_local_pfn_prot sees kmap_atomic too: page-table maps go through the profile's
 *   pteAccess API, kmap_atomic), and exactly its faults, switches and syscalls.
 * - Without HIGHPTE the page-table maps (unmapped at an in-page offset) vanish.
 * - Under 1g3g all 2 GB are lowmem: nothing is mapped.
 * - Under 2g2g the zones differ: every captured frame is allocated anew by the replay's allocator, so
 *   the page-cache pages land in highmem first, as the generator's do for the same dd workload.
 * - Under the 2.6.18 profile each purpose uses that era's API.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../src/cli/import.ts';
import { computeLayout } from '../../src/layout/compute.ts';
import { resolveConfig } from '../../src/layout/configs.ts';
import type { MachineConfig } from '../../src/layout/types.ts';
import { replay } from '../../src/machine/replay.ts';
import type { RunResult } from '../../src/result/run-result.ts';
import { generate } from '../../src/trace/generators/generate.ts';
import { ROOT } from '../helpers/cli.ts';
import { modelOf } from './helpers.ts';

const FIXTURE = `${ROOT}tests/fixtures/validation/ftrace/debian-6.1-pae-2G-smp2-dd.trace.gz`;
let dir = '';
let trace = '';
let byPurpose: Record<string, number> = {};

/**
 * The user TLB flushes of a capture's text (`tlb_flush: pages:N reason:NAME (R)`), as the replay must count
 * them: every event is a record; reason 0 is a task switch that loaded another mm (a CR3 write); reasons
 * 1-3 flushed on their CPU — all (pages:-1) or N pages one by one; 1 was a shootdown IPI received; 4 sent IPIs.
 */
function rawFlushes(lines: readonly string[]): {
  records: number;
  switches: number;
  full: number;
  pages: number;
  received: number;
  sent: number;
} {
  const f = { records: 0, switches: 0, full: 0, pages: 0, received: 0, sent: 0 };
  for (const l of lines) {
    const m = / tlb_flush: pages:(-?\d+) reason:.*\((\d)\)$/.exec(l);
    if (m === null) continue;
    f.records++;
    const pages = Number(m[1]);
    if (m[2] === '0') f.switches++;
    else if (m[2] === '4') f.sent++;
    else if (pages === -1) f.full++;
    else f.pages += pages;
    if (m[2] === '1') f.received++;
  }
  return f;
}

/** Counts of the raw capture text, by grep-like patterns. */
const raw = (() => {
  const lines = gunzipSync(readFileSync(FIXTURE)).toString('utf8').split('\n');
  const count = (re: RegExp): number => lines.filter((l) => re.test(l)).length;
  return {
    flushes: rawFlushes(lines),
    kmapLocal: count(/ kmap_local: /),
    // pte_unmap(pte) of a fixmap slot: an unmap address with an in-page offset (not ...000).
    pageTableUnmaps: count(/ kunmap_local: .* addr=0xf[0-9a-f]{4}(?!000)[0-9a-f]{3}$/),
    faults: count(/ page_fault_user: /),
    switches: count(/ sched_switch: /),
    writes: count(/ sys_write\(/),
  };
})();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hmsim-ftrace-'));
  trace = join(dir, 'dd.hmt');
  // The capture's user addresses (libc at 0xb7f…) are relocated below 1 GiB so that every split holds them.
  const stats = await runImport('ftrace', FIXTURE, {
    out: trace,
    relocate: ['auto'],
    captureConfig: '3g1g-pae',
    captureKernel: 'debian-6.1-686-pae',
    captureRam: '2G',
  });
  byPurpose = (stats.details as { byPurpose: Record<string, number> }).byPurpose;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(config: MachineConfig, path = trace): Promise<RunResult> {
  computeLayout(config);
  return replay({ tracePath: path, config, model: await modelOf(), seed: 1, prefault: false });
}
const kmaps = (r: RunResult): number => r.counts.kmap.pkmap + r.counts.kmap.atomic + r.counts.kmap.local;
const cfg = (config: string, kernel = 'debian-6.1-686-pae', extra: { highpte?: boolean } = {}): MachineConfig =>
  resolveConfig({ config, kernel, ram: '2G', cpus: 2, ...extra });

describe('the real ftrace capture', () => {
  it('the raw capture holds what its README says (sanity of the counting)', () => {
    expect(raw.kmapLocal).toBeGreaterThan(0);
    expect(raw.pageTableUnmaps).toBeGreaterThan(0);
    expect(byPurpose['pageTable']).toBe(raw.pageTableUnmaps);
  });

  it("under the captured configuration: exactly the capture's highmem kmap_local calls, faults, switches and syscalls", async () => {
    const r = await run(cfg('3g1g-pae'));
    expect(r.feasible).toBe(true);
    expect(r.counts.kmap.pkmap).toBe(0);
    expect(kmaps(r)).toBe(raw.kmapLocal);
    // debian-6.1-686-pae: pteAccess is kmap_atomic, every other purpose kmap_local.
    expect(r.counts.kmap.atomic).toBe(raw.pageTableUnmaps);
    expect(r.counts.kmap.local).toBe(raw.kmapLocal - raw.pageTableUnmaps);
    expect(r.counts.pageFaults).toBe(raw.faults);
    expect(r.counts.contextSwitches).toBe(raw.switches);
    expect(r.counts.syscalls).toBe(raw.writes);
    // Nothing derived for the observed faults: each captured map is unmapped once, with one INVLPG, and
    // the user TLB flushes are the capture's, page for page.
    const { records, ...flushes } = raw.flushes;
    expect(flushes).toEqual({ switches: 24, full: 7, pages: 72, received: 0, sent: 0 });
    expect(r.counts.tlbFlushes).toEqual(flushes);
    expect(r.counts.records['tlbflush']).toBe(records);
    expect(r.counts.invlpg).toBe(raw.kmapLocal + raw.flushes.pages);
    // Every CR3 write is one the capture made: its task switches' and its full flushes (no PTI here), not
    // one per switch record — a switch to a kernel thread and back loads no mm.
    expect(r.counts.cr3Writes).toBe(raw.flushes.switches + raw.flushes.full);
    expect(raw.flushes.switches).toBe(24); // of the capture's 64 sched_switch events (the file's README)
    expect(raw.switches).toBe(64);
  });

  it('without HIGHPTE the page-table maps vanish', async () => {
    const r = await run(cfg('3g1g-pae', 'debian-6.1-686-pae', { highpte: false }));
    expect(r.counts.kmap.atomic).toBe(0);
    expect(kmaps(r)).toBe(raw.kmapLocal - raw.pageTableUnmaps);
    expect(r.counts.pageFaults).toBe(raw.faults);
  });

  it('under 1g3g all 2 GB are lowmem: no kmap at all', async () => {
    const r = await run(cfg('1g3g'));
    expect(r.feasible).toBe(true);
    expect(kmaps(r)).toBe(0);
    expect(r.cycles.breakdown.kmap).toBe(0);
  });

  it("under 2g2g the page-cache pages land in highmem first, as the generator's for the same dd workload (within 5 %)", async () => {
    const r = await run(cfg('2g2g'));
    // The same workload generated: 2 × 16 MiB written in 64 KiB blocks.
    const gen = join(dir, 'dd-gen.hmt');
    await generate('stream', gen, 1, ['size=32M', 'phases=write']);
    const g = await run(cfg('2g2g'), gen);
    const highCache = (x: RunResult): number => x.memory.zones.find((z) => z.name === 'HighMem')!.byUse['pageCache']!;
    expect(highCache(g)).toBe((32 * 1024 * 1024) / 4096);
    expect(Math.abs(highCache(r) / highCache(g) - 1)).toBeLessThan(0.05);
    // Its page-cache maps (every map but the fault path's) are as many as the generator's.
    const cacheMaps = kmaps(r) - byPurpose['pageTable']! - byPurpose['clear']! - byPurpose['cowCopy']!;
    expect(Math.abs(cacheMaps / kmaps(g) - 1)).toBeLessThan(0.05);
    // Every captured map is highmem there, the 74 direct-map (lowmem) pages of the capture included.
    expect(kmaps(r)).toBe(Object.values(byPurpose).reduce((a, b) => a + b, 0));
  });

  it('under the 2.6.18 profile every purpose uses kmap_atomic; with kmap() page-cache copies those use the pkmap pool', async () => {
    const old = resolveConfig({ config: '3g1g-pae', kernel: 'linux-2.6.18', ram: '2G', cpus: 2 });
    const atomic = await run(old);
    expect(atomic.counts.kmap.local).toBe(0);
    expect(old.highpte).toBe(false); // 2.6.18 profile: no HIGHPTE, so no page-table maps
    // 2.6.18's zones differ from the captured kernel's: all frames are re-allocated (data → highmem).
    expect(atomic.counts.kmap.atomic).toBe(byPurpose['clear']! + byPurpose['cowCopy']! + byPurpose['pageCache']! + byPurpose['other']!);
    const viaKmap: MachineConfig = { ...old, kernel: { ...old.kernel, kmap: { ...old.kernel.kmap, pageCacheCopy: 'pkmap' } } };
    const pkmap = await run(viaKmap);
    expect(pkmap.counts.kmap.pkmap).toBe(byPurpose['pageCache']!);
    expect(pkmap.counts.kmap.atomic).toBe(byPurpose['clear']! + byPurpose['cowCopy']!);
    expect(pkmap.cycles.breakdown.kmap).toBeGreaterThan(atomic.cycles.breakdown.kmap);
  });
});

describe('captures made with the capture kit (tools/capture/capture.sh under QEMU, npm run test:qemu)', () => {
  // tests/fixtures/validation/ftrace/README.md: Debian 6.1.0-50 kernels under QEMU, -smp 2. Each kit header
  // names the box — release, ram= (the end of RAM the kernel saw), CPUs, PTI — and nothing is given on
  // the command line: the replay runs under the box the header names and must reproduce the capture.
  const DIR = `${ROOT}tests/fixtures/validation/ftrace/`;
  const PAE = 'debian-6.1-686-pae';
  const cases: ReadonlyArray<[string, string, string, number, number]> = [
    // file, configuration, kernel, installed RAM, max_pfn of that box
    ['qemu-6.1-pae-2G-kit-dd.trace.gz', '3g1g-pae', PAE, 2 ** 31, 0x7ffe0],
    ['qemu-6.1-pae-pti-2G-kit-dd.trace.gz', '3g1g-pae-pti', PAE, 2 ** 31, 0x7ffe0],
    ['qemu-6.1-686-2G-kit-dd.trace.gz', '3g1g-highmem', 'debian-6.1-686', 2 ** 31, 0x7ffe0],
    // -m 4G: 3 GiB below the PCI hole, 1 GiB from 4 GiB up (ram=5368709120 is the end of RAM, 5 GiB).
    ['qemu-6.1-pae-4G-kit-dd.trace.gz', '3g1g-pae', PAE, 2 ** 32, 0x140000],
    // dd, cat of the file (page-cache reads), five /bin/true (fork, exec, exit), cp, rm.
    ['qemu-6.1-pae-2G-kit-mix.trace.gz', '3g1g-pae', PAE, 2 ** 31, 0x7ffe0],
    // -m 3G: `true` once, and a shell loop of 50 fork+exec of /bin/true (busybox-static).
    ['qemu-6.1-pae-3G-kit-forkexec0.trace.gz', '3g1g-pae', PAE, 3 * 2 ** 30, 0xbffe0],
    ['qemu-6.1-pae-3G-kit-forkexec50.trace.gz', '3g1g-pae', PAE, 3 * 2 ** 30, 0xbffe0],
    // The same loop with the kit's tlb_range kprobe: every flush of some pages says which.
    ['qemu-6.1-pae-3G-kit-forkexec50-ranges.trace.gz', '3g1g-pae', PAE, 3 * 2 ** 30, 0xbffe0],
  ];

  it.each(cases)(
    "%s: replayed under %s (%s) as its header names it, with exactly the capture's highmem kmap_local calls and faults",
    async (file, config, kernel, ram, maxPfn) => {
      const text = gunzipSync(readFileSync(DIR + file)).toString('utf8');
      const count = (re: RegExp): number => text.split('\n').filter((l) => re.test(l)).length;
      const out = join(dir, file.replace('.trace.gz', '.hmt'));
      const stats = await runImport('ftrace', DIR + file, { out });
      expect(stats.capture).toMatchObject({ config, kernel, ram, cpus: 2 });
      const c = resolveConfig({ config, kernel, ram: String(ram), cpus: 2 });
      // The replay's memory map ends where the box's did: every captured frame exists.
      expect(computeLayout(c).maxPfn).toBe(maxPfn);
      const r = await run(c, out);
      expect(r.infeasible).toEqual([]);
      expect(kmaps(r)).toBe(count(/ kmap_local: /));
      expect(r.counts.pageFaults).toBe(count(/ page_fault_user: /));
      expect(r.counts.contextSwitches).toBe(count(/ sched_switch: /));
      const { records, ...flushes } = rawFlushes(text.split('\n'));
      expect(r.counts.tlbFlushes).toEqual(flushes);
      expect(r.counts.records['tlbflush']).toBe(records);
      if (!c.pti) expect(r.counts.cr3Writes).toBe(flushes.switches + flushes.full);
    },
  );

  it('the counts those captures hold (grep of the raw text): kmap_local calls, user faults, user TLB flushes', () => {
    const counts = cases.map(([file]) => {
      const lines = gunzipSync(readFileSync(DIR + file))
        .toString('utf8')
        .split('\n');
      const f = rawFlushes(lines);
      return [
        lines.filter((l) => / kmap_local: /.test(l)).length,
        lines.filter((l) => / page_fault_user: /.test(l)).length,
        f.switches,
        f.full,
        f.pages,
        f.received,
        f.sent,
      ];
    });
    expect(counts).toEqual([
      // kmap_local, user faults, then the tlb_flush events: task switches, full flushes, pages flushed one
      // by one, shootdowns received, IPI rounds sent
      [2317, 60, 3, 1, 13, 0, 0],
      [2313, 57, 4, 1, 11, 0, 0],
      [2313, 57, 3, 1, 12, 0, 0],
      [2313, 57, 3, 1, 12, 0, 0],
      [5802, 171, 11, 4, 38, 0, 0],
      [204, 55, 3, 1, 11, 0, 0],
      [9750, 2444, 192, 52, 526, 0, 8],
      [10008, 2540, 169, 52, 579, 0, 4],
    ]);
  });
});
