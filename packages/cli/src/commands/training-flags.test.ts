import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerClmCommand } from './clm-command.js';
import { registerDpoCommand } from './dpo-train.js';
import { PREFERENCE_TRAINING_FLAGS } from './training-flags.js';

function trainOptions(register: (program: Command) => void, group: string) {
  const program = new Command();
  register(program);
  const train = program.commands.find((c) => c.name() === group)!.commands.find((c) => c.name() === 'train')!;
  return new Map(train.options.map((o) => [o.long, o]));
}

describe('preference training flags: one table for dpo train and clm train', () => {
  it('gives both commands every flag with the same help and default', () => {
    const dpo = trainOptions(registerDpoCommand, 'dpo');
    const clm = trainOptions(registerClmCommand, 'clm');
    for (const flag of PREFERENCE_TRAINING_FLAGS) {
      const long = flag.flags.split(' ')[0];
      for (const options of [dpo, clm]) {
        const option = options.get(long);
        expect(option, long).toBeDefined();
        expect([option!.description, option!.defaultValue]).toEqual([flag.description, flag.default]);
      }
    }
    expect(dpo.has('--trainable')).toBe(true);
    expect(clm.has('--trainable')).toBe(false); // clm trains its added layers only
  });

  it('parses values through the table', () => {
    const program = new Command().exitOverride();
    registerDpoCommand(program);
    const train = program.commands.find((c) => c.name() === 'dpo')!.commands.find((c) => c.name() === 'train')!;
    train.action(() => {});
    program.parse(['dpo', 'train', '--model', 'm', '--data', 'd', '--out', 'o', '--loss', 'sigmoid,sft', '--lr', '5e-6'], { from: 'user' });
    expect(train.opts()).toMatchObject({ loss: ['sigmoid', 'sft'], lr: 5e-6, warmupRatio: 0.1, lrScheduler: 'linear' });
  });
});
