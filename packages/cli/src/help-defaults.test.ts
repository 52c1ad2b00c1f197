import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { describeListDefaults } from './help-defaults.js';
import { createProgram } from './program.js';

/** Every command below `command`, itself included. */
function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

describe('list defaults in --help', () => {
  it('are shown as typed: comma-joined, or space-joined for variadic flags', () => {
    const program = new Command('x');
    program.command('y').option('--loss <types>', 'losses', ['sigmoid', 'sft']).option('--trainable <specs...>', 'selections', ['clm', 'all']);
    describeListDefaults(program);
    const help = program.commands[0].helpInformation();
    expect(help).toContain('(default: sigmoid,sft)');
    expect(help).toContain('(default: clm all)');
    expect(help).not.toContain('["');
  });

  it('no command of aligndial prints a default as JSON', () => {
    for (const command of allCommands(createProgram())) {
      expect(command.helpInformation(), command.name()).not.toMatch(/default: [[{]/);
    }
  });
});
