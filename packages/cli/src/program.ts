import { Command } from 'commander';
import { registerAlignezCommand } from './commands/alignez-command.js';
import { registerBenchDecodeCommand } from './commands/bench-decode.js';
import { registerBenchTrainCommand } from './commands/bench-train.js';
import { registerClmCommand } from './commands/clm-command.js';
import { registerCreateRandomCommand } from './commands/create-random.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDpoCommand } from './commands/dpo-train.js';
import { registerEvalCommands } from './commands/eval-command.js';
import { registerExperimentCommand } from './commands/experiment-command.js';
import { registerGenerateCommand } from './commands/generate.js';
import { registerServeCommand } from './commands/serve.js';
import { describeListDefaults } from './help-defaults.js';
import { registerWorldRule } from './demo/world-rule.js';

declare const __ALIGNDIAL_VERSION__: string | undefined;

/** The `aligndial` command tree. Each command lives in its own file under commands/. */
export function createProgram(): Command {
  registerWorldRule(); // `--judge rule:world` (the demo world's judge) works in every eval command
  const program = new Command('aligndial')
    .description('Align a language model, then dial how strongly it is aligned at inference time (λ).')
    .version(typeof __ALIGNDIAL_VERSION__ === 'string' ? __ALIGNDIAL_VERSION__ : '0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(`aligndial: ${text.replace(/^error: /, 'error: ')}`) });
  registerGenerateCommand(program);
  registerServeCommand(program);
  registerCreateRandomCommand(program);
  registerEvalCommands(program);
  registerAlignezCommand(program);
  registerDpoCommand(program);
  registerClmCommand(program);
  registerDemoCommand(program);
  registerExperimentCommand(program);
  const bench = program.command('bench').description('Benchmarks that measure and print (decode speed, training step time).');
  registerBenchDecodeCommand(bench);
  registerBenchTrainCommand(bench);
  describeListDefaults(program);
  return program;
}
