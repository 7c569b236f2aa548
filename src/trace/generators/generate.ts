/**
 * Generating a workload trace: the one function behind `hmsim gen`, sweeps of generated workloads and
 * `hmsim check` scenarios with a generator.
 *
 *   params text ──► parseParams (validated, defaults) ──► generator.run(rng) ──► GenEmitter ──► HMT writer
 *
 * Same workload, parameters and seed → byte-identical file (the header holds no time or path).
 */
import { createRng, deriveSeed } from '../../random/rng.ts';
import { openTraceWriter } from '../hmt/writer.ts';
import { GenEmitter } from './emitter.ts';
import { parseParams } from './params.ts';
import { getGenerator } from './registry.ts';

/** What one generation wrote. */
export interface GenSummary {
  workload: string;
  out: string;
  seed: number;
  cpus: number;
  records: number;
  params: Record<string, number | string>;
}

/** Generates `workload` into `out` (written atomically: the file exists only when complete). */
export async function generate(workload: string, out: string, seed: number, paramTexts: readonly string[]): Promise<GenSummary> {
  const gen = getGenerator(workload);
  const params = parseParams(gen.name, gen.params, paramTexts);
  gen.validate?.(params);
  const cpus = gen.cpus(params);
  const command = ['hmsim', 'gen', gen.name, '--seed', String(seed), ...paramTexts.flatMap((t) => ['--param', t])].join(' ');
  const writer = await openTraceWriter(out, {
    source: `gen:${gen.name}`,
    cpus,
    provenance: { generator: gen.name, seed, params: params.toJSON(), command, ...(gen.header?.(params) ?? {}) },
  });
  try {
    const emitter = new GenEmitter(writer, cpus, params.num('records'));
    gen.run(params, createRng(deriveSeed(seed, 'gen', gen.name)), emitter);
    await writer.close();
    return { workload: gen.name, out, seed, cpus, records: emitter.count, params: params.toJSON() };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
