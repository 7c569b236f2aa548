import { UsageError } from '../../errors.ts';
import type { Xoshiro128 as Rng } from '../../random/rng.ts';
import { KmapApi, type KmapApiName } from '../records.ts';
import type { GenEmitter } from './emitter.ts';
import { RECORDS_PARAM, type ParamValues } from './params.ts';
import type { Generator } from './registry.ts';
import { ZipfSampler } from './zipf.ts';

/** KM_MAX_IDX: per-CPU kmap_local/kmap_atomic slots (kernel-x86-32.md §6.3). */
const LOCAL_SLOTS = 16;

/**
 * `kmap-storm`: kernel-level kmap/kunmap traffic from C CPUs, to stress the pkmap pool and its lock.
 *
 * One kernel thread per CPU (pid 1000 + cpu) maps physical pages from [pfn, pfn + pages) (uniform, or
 * Zipf with `skew` > 0, so hot pages hit an existing pkmap mapping), touches `bytes` of each (`kaccess`),
 * and does `compute` cycles per map. `inflight` mappings are held at once per CPU:
 * - api pkmap: a sliding window — map a new page, and once `inflight` are held unmap the oldest;
 * - api atomic/local: slots form a stack, so `inflight` (≤ 16, KM_MAX_IDX) pages are mapped, then
 *   unmapped in reverse order.
 * The CPUs take turns map by map. Whether a pfn is highmem depends on the replayed configuration: with the
 * default range (1 GiB–2 GiB of physical memory) it is highmem under 3G/1G and lowmem under 2G/2G.
 */
export const kmapStorm: Generator = {
  name: 'kmap-storm',
  description: 'kernel kmap/kunmap traffic from C CPUs with N pages in flight (pkmap pool and lock stress)',
  details:
    "Kernel threads 1000+cpu map pfns from [pfn, pfn+pages) with 'api', hold 'inflight' at once (pkmap: sliding window; " +
    'atomic/local: nested stack, at most 16), kaccess each mapped page, compute between maps.',
  params: [
    { name: 'cpus', kind: 'int', description: 'CPUs', unit: 'CPUs', default: 4, min: 1, max: 64 },
    {
      name: 'api',
      kind: 'choice',
      description: 'kernel mapping API',
      unit: 'api',
      default: 'pkmap',
      choices: ['pkmap', 'atomic', 'local'],
    },
    { name: 'inflight', kind: 'int', description: 'mappings held at once per CPU', unit: 'pages', default: 8, min: 1, max: 4096 },
    { name: 'pfn', kind: 'int', description: 'first physical page of the range', unit: 'pfn', default: 0x40000, min: 0 },
    { name: 'pages', kind: 'int', description: 'physical pages in the range', unit: 'pages', default: 0x40000, min: 1 },
    {
      name: 'skew',
      kind: 'number',
      description: 'Zipf exponent over the range (0: uniform)',
      unit: 'exponent',
      default: 0,
      min: 0,
      max: 10,
    },
    { name: 'maps', kind: 'int', description: 'kmaps in total (over all CPUs)', unit: 'maps', default: 100000, min: 0 },
    {
      name: 'bytes',
      kind: 'size',
      description: 'bytes the kernel touches per mapped page (kaccess; 0: none)',
      unit: 'bytes',
      default: 4096,
      min: 0,
      max: 4096,
    },
    { name: 'compute', kind: 'int', description: 'work per map', unit: 'cycles', default: 500, min: 0 },
    RECORDS_PARAM,
  ],
  cpus: (p) => p.num('cpus'),
  validate(p) {
    if (p.str('api') !== 'pkmap' && p.num('inflight') > LOCAL_SLOTS) {
      throw new UsageError(
        `--param inflight: ${p.num('inflight')} is more than the ${LOCAL_SLOTS} per-CPU slots of api ${p.str('api')} (KM_MAX_IDX)`,
      );
    }
    if (p.num('pfn') + p.num('pages') > 2 ** 32) throw new UsageError(`--param pages: the range ends above pfn 2^32`);
  },
  run(p: ParamValues, rng: Rng, out: GenEmitter): void {
    const cpus = p.num('cpus');
    const api = KmapApi[p.str('api') as KmapApiName];
    const stacked = api !== KmapApi.pkmap;
    const inflight = p.num('inflight');
    const base = p.num('pfn');
    const pages = p.num('pages');
    const skew = p.num('skew');
    const zipf = skew > 0 ? new ZipfSampler(pages, skew) : null;
    const bytes = p.num('bytes');
    const compute = p.num('compute');
    const held: number[][] = Array.from({ length: cpus }, () => []);
    const pick = (): number => base + (zipf ? zipf.sample(rng) - 1 : rng.nextInt(pages));
    const total = p.num('maps');
    let maps = 0;
    while (maps < total && !out.exhausted) {
      for (let cpu = 0; cpu < cpus && maps < total; cpu++, maps++) {
        const pid = 1000 + cpu;
        const h = held[cpu]!;
        if (h.length === inflight) {
          if (stacked) while (h.length > 0) out.kunmap(cpu, pid, api, h.pop()!);
          else out.kunmap(cpu, pid, api, h.shift()!);
        }
        const pfn = pick();
        out.kmap(cpu, pid, api, pfn);
        h.push(pfn);
        if (bytes > 0) out.kaccess(cpu, pid, pfn, bytes);
        out.compute(cpu, pid, compute);
      }
    }
    for (let cpu = 0; cpu < cpus; cpu++) {
      const h = held[cpu]!;
      while (h.length > 0) out.kunmap(cpu, 1000 + cpu, api, stacked ? h.pop()! : h.shift()!);
    }
  },
};
