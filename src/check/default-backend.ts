import { generate } from '../cli/gen.ts';
import { resolveConfig, setConfigOption, type ConfigOptions } from '../layout/configs.ts';
import { replay } from '../machine/replay.ts';
import { loadModel } from '../models/load.ts';
import { splitSets } from '../models/overrides.ts';
import type { CostModel } from '../models/types.ts';
import type { CheckBackend, RunRequest } from './backend.ts';

/**
 * The real backend of `hmsim check`: `hmsim gen` for generated traces, the configuration resolver, the
 * cost-model loader and the replay — exactly what `hmsim gen` and `hmsim run` do. Loaded models are kept
 * per (model, overrides) for the life of the backend, so replications and scenarios sharing a model load
 * it once.
 */
export function createDefaultBackend(): CheckBackend {
  const models = new Map<string, Promise<CostModel>>();
  return {
    async generate(req) {
      const texts = Object.entries(req.params).map(([k, v]) => `${k}=${String(v)}`);
      await generate(req.workload, req.outPath, req.seed, texts);
    },
    async run(req, signal) {
      const sets = splitSets(req.sets);
      const config = resolveConfig(configOptions(req, sets.config));
      const key = JSON.stringify([req.model, sets.model]);
      let model = models.get(key);
      if (model === undefined) {
        model = loadModel(req.model, sets.model);
        models.set(key, model);
      }
      return replay(
        { tracePath: req.tracePath, config, model: await model, seed: req.seed, prefault: req.prefault },
        signal === undefined ? {} : { signal },
      );
    },
  };
}

/** The scenario's configuration choice, then the `--set` configuration keys on top (they win). */
function configOptions(req: RunRequest, fromSets: Readonly<Record<string, string>>): ConfigOptions {
  const opts: ConfigOptions = { config: req.config.preset };
  if (req.config.kernel !== null) opts.kernel = req.config.kernel;
  if (req.config.ram !== null) opts.ram = req.config.ram;
  if (req.config.cpus !== null) opts.cpus = req.config.cpus;
  for (const [key, value] of Object.entries(fromSets)) {
    setConfigOption(opts, key, value, `--set ${key}=${value}`);
  }
  return opts;
}

