/**
 * Commands load lazily (src/cli/commands.ts): the top-level help lists the command table without
 * loading any command, so the table's term and summary of each command must be what the command itself
 * registers; and a command line naming a command loads that one only.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, registerCommands } from '../src/cli/commands.ts';

describe('the command table', () => {
  for (const entry of COMMANDS) {
    it(`lists ${entry.name} with the term and summary the command registers`, async () => {
      const program = new Command();
      (await entry.load()).register(program);
      const cmd = program.commands.find((c) => c.name() === entry.name);
      expect(cmd).toBeDefined();
      expect(program.createHelp().subcommandTerm(cmd!)).toBe(entry.term);
      expect(cmd!.description()).toBe(entry.summary);
    });
  }

  it('names every command the CLI has, once', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('loads only the command a command line names (also after help), and none for the top-level help', async () => {
    expect(await registerCommands(new Command(), ['run', '--trace', 'x.hmt'])).toEqual(['run']);
    expect(await registerCommands(new Command(), ['help', 'sweep'])).toEqual(['sweep']);
    const top = new Command();
    expect(await registerCommands(top, ['--help'])).toEqual([]);
    expect(await registerCommands(new Command(), [])).toEqual([]);
    expect(await registerCommands(new Command(), ['no-such-command'])).toEqual([]);
    // The stubs list every command with its table term.
    const help = top.helpInformation();
    for (const c of COMMANDS) expect(help).toContain(c.term);
  });
});
