import type { ConfigOptions } from '../layout/configs.ts';
import { setConfigOption } from '../layout/configs.ts';
import { splitSets } from '../models/overrides.ts';
import { RunService } from '../run/service.ts';
import { generate } from '../trace/generators/generate.ts';
import type { CheckBackend, RunRequest } from './backend.ts';

/**
 * The real backend of `hmsim check`: the generators for generated traces and the run service
 * (src/run/service.ts) for replays — exactly what `hmsim gen` and `hmsim run` do. The service keeps
 * resolved configurations and loaded models for the life of the backend, so replications and scenarios
 * sharing them resolve them once.
 */
export function createDefaultBackend(options: { allowPlugins?: boolean } = {}): CheckBackend {
  const service = new RunService({ allowPlugins: options.allowPlugins === true });
  return {
    async generate(req) {
      const texts = Object.entries(req.params).map(([k, v]) => `${k}=${String(v)}`);
      await generate(req.workload, req.outPath, req.seed, texts);
    },
    async run(req, signal) {
      const sets = splitSets(req.sets);
      const config = configOptions(req, sets.config);
      return service.run(
        { tracePath: req.tracePath, config, model: req.model, modelSets: sets.model, seed: req.seed, prefault: req.prefault },
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
