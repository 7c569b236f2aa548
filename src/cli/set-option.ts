import { Option, type Command } from 'commander';
import { splitSets } from '../models/overrides.ts';

/**
 * The shared `--set key=value` option (repeatable) that every command accepts. Model keys
 * (`costs.invlpg`, `tlb.l1d.entries`, `lock.kind`, …) go to loadModel; machine-configuration keys
 * (`ram`, `cpus`, `split`, …) go to the layout's configuration resolver — see splitSets.
 */

/** Commander collector: appends each occurrence. */
export function collectSet(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

/** Adds `--set <key=value>` (repeatable) to a command; the parsed options get `set: string[]`. */
export function addSetOption<C extends Command>(cmd: C): C {
  cmd.addOption(
    new Option(
      '--set <key=value>',
      'override a model or configuration parameter by dotted key (repeatable), e.g. --set costs.invlpg=500, ' +
        '--set costs.ipi=+20%, --set tlb.l1d.entries=16, --set lock.kind=queued, --set ram=3G',
    )
      .argParser(collectSet)
      .default([] as string[], 'none'),
  );
  return cmd;
}

/** The `--set` values of parsed options, split into model overrides and configuration values. */
export function setsFromOptions(options: { readonly set?: readonly string[] }): { model: string[]; config: Record<string, string> } {
  return splitSets(options.set ?? []);
}
