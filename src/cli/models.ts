import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { formatFlags, formatValue } from '../models/format.ts';
import { PARAM_BY_KEY } from '../models/keys.ts';
import { resolveModel } from '../models/load.ts';
import { DEFAULT_MODEL, listModels } from '../models/registry.ts';
import { buildModelSchema } from '../models/schema.ts';
import { addSetOption, setsFromOptions } from './set-option.ts';

/**
 * `hmsim models list [--json]`, `hmsim models show NAME [--set k=v] [--json]`,
 * `hmsim models validate FILE... [--strict]`, `hmsim models schema`.
 */
export function register(program: Command): void {
  const models = program.command('models').description('List, show and validate CPU cost models (models/*.json, code plug-ins)');

  models
    .command('list')
    .description(`list the shipped cost models (default: ${DEFAULT_MODEL})`)
    .option('--json', 'print one JSON object')
    .action((opts: { json?: boolean }) => {
      const list = listModels().map((m) => ({ ...m, default: m.name === DEFAULT_MODEL }));
      if (opts.json === true) {
        const out = list.map((m) => ({
          name: m.name,
          description: m.description,
          default: m.default,
          ...(m.extends === undefined ? {} : { extends: m.extends }),
        }));
        process.stdout.write(`${JSON.stringify({ models: out }, null, 2)}\n`);
        return;
      }
      const width = Math.max(...list.map((m) => m.name.length + (m.default ? 10 : 0)), 4);
      for (const m of list) process.stdout.write(`${`${m.name}${m.default ? ' (default)' : ''}`.padEnd(width)}  ${m.description}\n`);
    });

  addSetOption(
    models
      .command('show')
      .description("print a model's resolved values with their sources (after extends and --set)")
      .argument('<model>', 'a shipped model name, or a path to a .json/.ts/.js/.mjs model')
      .option('--json', 'print one JSON object'),
  ).action(async (name: string, opts: { json?: boolean; set?: string[] }) => {
    const { model: sets } = setsFromOptions(opts);
    const { model, hash } = await resolveModel(name, sets);
    if (opts.json === true) {
      const out = {
        name: model.name,
        description: model.description,
        hash,
        extends: model.extends,
        params: Object.fromEntries(model.params),
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return;
    }
    const lines = [`${model.name}: ${model.description}`, `hash ${hash}`];
    if (model.extends.length > 0) lines.push(`extends ${model.extends.join(' → ')}`);
    const rows = [...model.params.values()].map((p) => {
      const arg = PARAM_BY_KEY.get(p.key)?.arg;
      const value = p.kind === 'cost' && arg !== undefined && arg !== 'unused (0)' ? `${formatValue(p)}  [n = ${arg}]` : formatValue(p);
      const flags = formatFlags(p);
      return [p.key, value, `${p.source ?? '(no source)'}${flags === '' ? '' : ` [${flags}]`}`] as const;
    });
    const w0 = Math.max(...rows.map((r) => r[0].length));
    const w1 = Math.max(...rows.map((r) => r[1].length));
    for (const r of rows) lines.push(`${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  });

  models
    .command('validate')
    .description('validate model files (shipped models must cite a source for every value); reports every problem at once')
    .argument('<file...>', 'model files (.json) or code plug-ins (.ts/.js/.mjs), or shipped model names')
    .option('--strict', 'require a source on every value even outside models/')
    .action(async (files: string[], opts: { strict?: boolean }) => {
      const failures: UserError[] = [];
      for (const f of files) {
        try {
          await resolveModel(f, [], { requireSources: opts.strict === true });
          process.stdout.write(`ok ${f}\n`);
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          failures.push(err);
        }
      }
      if (failures.length > 0) {
        const head = `${failures.length} of ${files.length} model file${files.length === 1 ? '' : 's'} invalid`;
        // the kind of the first failure (a file that is not JSON: InputError; a model's problems: ConfigError)
        throw failures[0]!.withMessage(
          [
            head,
            ...failures.map((e) =>
              e.message
                .split('\n')
                .map((l) => `  ${l}`)
                .join('\n'),
            ),
          ].join('\n'),
        );
      }
    });

  models
    .command('schema')
    .description('print the JSON Schema of model files (the content of models/schema.json)')
    .action(() => {
      process.stdout.write(`${JSON.stringify(buildModelSchema(), null, 2)}\n`);
    });
}
