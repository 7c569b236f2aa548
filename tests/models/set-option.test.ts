import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addSetOption, setsFromOptions } from '../../src/cli/set-option.ts';

describe('the shared --set option', () => {
  it('collects every occurrence in order and splits model keys from configuration keys', () => {
    const cmd = addSetOption(new Command('x')).exitOverride();
    cmd.parse(['--set', 'costs.invlpg=+20%', '--set', 'ram=3G', '--set', 'lock.kind=queued'], { from: 'user' });
    const opts = cmd.opts<{ set: string[] }>();
    expect(opts.set).toEqual(['costs.invlpg=+20%', 'ram=3G', 'lock.kind=queued']);
    expect(setsFromOptions(opts)).toEqual({ model: ['costs.invlpg=+20%', 'lock.kind=queued'], config: { ram: '3G' } });
  });

  it('defaults to no overrides', () => {
    const cmd = addSetOption(new Command('x')).exitOverride();
    cmd.parse([], { from: 'user' });
    expect(setsFromOptions(cmd.opts())).toEqual({ model: [], config: {} });
  });
});
