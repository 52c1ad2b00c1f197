import type { BackendName } from '@aligndial/core';
import type { Command } from 'commander';
import { runDemo, type DemoOptions, type DemoResult } from '../demo/run-demo.js';
import { addBackendFlag, addDeprecatedFlag, addJsonFlag } from '../flag-vocabulary.js';
import { intOption, numberOption } from '../option-parsers.js';

interface DemoCommandOptions {
  out: string;
  model?: string;
  judge?: string;
  maxSteps?: number;
  quick?: boolean;
  lambdas?: number[];
  evalPrompts?: number;
  pairs?: number;
  alignez: boolean;
  seed: number;
  backend?: BackendName | 'auto';
  json?: boolean;
}

export function registerDemoCommand(program: Command): void {
  const command = program
    .command('demo')
    .description(
      'The whole story offline in a few minutes: the embedded model → a CLM layer trained with DPO on a preference set → λ sweep judged against λ = 0 (table + plot) → AlignEZ fitted on self-generated data, alone and with the CLM.',
    )
    .option('--out <dir>', 'output folder (data, adapter, edits, answers, judgments, plots, results)', 'aligndial-demo')
    .option('--model <dir>', 'base model folder (default: the embedded default model)')
    .option('--judge <spec>', 'judge: rule:world (default, knows the demo world), openai:MODEL[@URL], local:DIR (an aligndial model), rule:PATH')
    .option('--max-steps <n>', 'stop after this many optimizer steps of the CLM layer (default 150; 12 with --quick)', intOption(1))
    .option('--quick', 'a reduced run (fewer pairs, steps, prompts, queries) for a first look or a test')
    .option('--lambdas <list>', 'λ values of the sweep (default 0,0.5,1,1.5,2; λ = 0 is always included)', parseLambdas)
    .option('--eval-prompts <n>', 'held-out world prompts to evaluate (default 56; 14 with --quick)', intOption(1, 10_000))
    .option('--pairs <n>', 'preference pairs for DPO (default 1200; 96 with --quick)', intOption(1, 1_000_000))
    .option('--no-alignez', 'skip the AlignEZ part')
    .option('--seed <s>', 'seed of data, training order and judging order', intOption(0, 2 ** 32 - 1), 0);
  addBackendFlag(command);
  addJsonFlag(command);
  addDeprecatedFlag(command, { old: '--steps', replacement: '--max-steps' });
  addDeprecatedFlag(command, { old: '--prompts', replacement: '--eval-prompts' });
  command
    .addHelpText('after', '\nExamples:\n  aligndial demo\n  aligndial demo --quick --out ./demo-run\n  aligndial demo --judge openai:gpt-4o-mini@http://127.0.0.1:8000/v1')
    .action(async (options: DemoCommandOptions) => {
      const result = await runDemoCommand(options);
      if (options.json) process.stdout.write(`${JSON.stringify({ rows: result.rows, reading: result.reading, files: result.files, seconds: result.seconds })}\n`);
    });
}

function parseLambdas(value: string): number[] {
  const parse = numberOption();
  return value.split(',').map((v) => parse(v.trim()));
}

/** `aligndial demo`: runs the pipeline and prints the table (stdout) and where everything went. */
export async function runDemoCommand(options: DemoCommandOptions, out: NodeJS.WritableStream = process.stdout): Promise<DemoResult> {
  const demoOptions: DemoOptions = {
    out: options.out,
    model: options.model,
    judge: options.judge,
    steps: options.maxSteps,
    quick: options.quick,
    lambdas: options.lambdas,
    prompts: options.evalPrompts,
    pairs: options.pairs,
    alignez: options.alignez,
    seed: options.seed,
    backend: options.backend,
  };
  const result = await runDemo(demoOptions);
  if (!options.json) {
    out.write(`\n${result.table}\n\n`);
    if (result.reading.length > 0) out.write(`${result.reading.join('\n')}\n\n`);
    out.write(`plots: ${result.files.plots.join(', ')}\n`);
    out.write(`results: ${result.files.results} (answers, judgments, adapter and edits beside it); ${result.seconds.total.toFixed(0)} s in all\n`);
  }
  return result;
}
