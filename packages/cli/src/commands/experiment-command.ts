import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AligndialError, BACKEND_NAMES, type BackendName, initBackend } from '@aligndial/core';
import { type Command, Option } from 'commander';
import { writeExperimentReport, experimentTable } from '../experiment/experiment-report.js';
import { parseMethods } from '../experiment/methods.js';
import { loadReward } from '../experiment/reward-function.js';
import { type ExperimentResult, runExperiment, writeResults } from '../experiment/run-experiment.js';
import { readPromptFile, storyOpenings } from '../experiment/story-prompts.js';
import { FLAG_VOCABULARY, addDeprecatedFlag } from '../flag-vocabulary.js';
import { intOption, numberOption } from '../option-parsers.js';
import { type Progress, createProgress } from '../progress.js';

/** Flags of `aligndial experiment controlled`. */
export interface ExperimentCommandOptions {
  model?: string;
  out: string;
  methods: string[];
  lambdas: number[];
  reward: string;
  prompts?: string;
  evalPrompts: number;
  trainPrompts: number;
  pairSamples: number;
  samples: number;
  maxNewTokens: number;
  temperature: number;
  betaGrid: number[];
  lrGrid: number[];
  epochsGrid: number[];
  selectionHoldout: number;
  batchSize: number;
  warmupRatio: number;
  maxGradNorm: number;
  copyLayer: number;
  logTensorNorms?: boolean;
  alignezLayers: number;
  alignezK: number;
  samplingBatchSize: number;
  seed: number;
  backend?: BackendName | 'auto';
  json?: boolean;
  progress?: boolean;
}

/** Where the default model is looked for: `../shared/models/stories260K` from the working directory. */
export const DEFAULT_EXPERIMENT_MODEL = join('..', 'shared', 'models', 'stories260K');

const list = (parse: (v: string) => number) => (value: string) => value.split(',').map((v) => parse(v.trim()));

export function registerExperimentCommand(program: Command): void {
  const experiment = program.command('experiment').description('Controlled experiments that measure alignment methods on a real checkpoint.');
  const command = experiment
    .command('controlled')
    .description(
      'Controlled alignment experiment (like the DPO paper\'s controlled sentiment): preference pairs from the model\'s own samples scored by a programmatic reward, ' +
        'each method trained on them (hyperparameters chosen on held-out pairs), then seeded samples on held-out prompts at every λ: reward gain vs the base (paired, ± s.e.), fluency, cost.',
    )
    .option('--model <dir>', `base model directory (default ${DEFAULT_EXPERIMENT_MODEL} when it exists)`)
    .option('--out <dir>', 'output folder: results.json, table.md, plot.svg/.png, samples.jsonl, pairs.jsonl, runs/*/metrics.jsonl', 'aligndial-experiment')
    .option('--methods <list...>', 'clm, clm:N (N added layers), all (full DPO), bottom:K, top:K, alignez (comma- or space-separated)', ['clm', 'all', 'bottom:1', 'top:1'])
    .option('--lambdas <list>', 'dial values for CLM (λ) and AlignEZ (α)', list(numberOption()), [0, 0.5, 1, 1.5, 2])
    .option('--reward <spec>', 'lexicon (built-in sentiment word counts: positive − negative) or a JS module exporting (continuation, prompt) => number', 'lexicon')
    .option('--prompts <file>', 'prompts (.jsonl with "prompt", or one per line); default: 144 built-in story openings')
    .option('--eval-prompts <n>', 'prompts held out for evaluation (never trained or selected on)', intOption(1, 10_000), 30)
    .option('--train-prompts <n>', 'use at most this many of the remaining prompts for pairs (one pair each unless all its samples tie)', intOption(2), 90)
    .option('--pair-samples <n>', 'samples per training prompt; the best and worst by reward form its pair', intOption(2, 1024), 8)
    .option('--samples <n>', 'seeded samples per evaluation prompt', intOption(1, 1024), 8)
    .option('--max-new-tokens <n>', 'tokens to generate at most, per sample', intOption(0, 1_000_000), 48)
    .option('--temperature <t>', '0 = greedy; sampling temperature of pairs and evaluation', numberOption(0), 1)
    .option('--beta-grid <list>', 'DPO β values to choose from', list(numberOption(Number.MIN_VALUE)), [0.1, 0.5])
    .option('--lr-grid <list>', 'learning rates to choose from', list(numberOption(Number.MIN_VALUE)), [1e-4, 1e-3, 5e-3])
    .option('--epochs-grid <list>', 'epoch counts to choose from (one run per β × lr, evaluated after each)', list(intOption(1, 10_000)), [2, 5])
    .option('--selection-holdout <f>', 'fraction of the training pairs held out to choose β, lr and epochs (by held-out DPO loss)', numberOption(0, 0.9), 0.2)
    .option('--batch-size <n>', 'pairs per DPO step', intOption(1, 100_000), 4)
    .option('--warmup-ratio <f>', 'linear warm-up as a fraction of the longest run; constant learning rate after it', numberOption(0, 1), 0.1)
    .option('--max-grad-norm <n>', 'clip the global gradient norm (0: no clipping)', numberOption(0), 1)
    .option('--copy-layer <i>', 'base layer that CLM\'s added layers copy (paper: 0)', intOption(0), 0)
    .option('--log-tensor-norms', 'write per-tensor gradient, update and parameter norms to runs/*/metrics.jsonl')
    .option('--alignez-layers <n>', 'AlignEZ: layers to edit', intOption(1), 5)
    .option('--alignez-k <n>', 'AlignEZ: nearest training prompts per prompt', intOption(1), 10)
    .option('--sampling-batch-size <n>', 'rows per sampling batch (memory only: results do not depend on it)', intOption(1, 4096), 128)
    .option('--seed <s>', 'seed of the prompt split, the samples and the training order', intOption(0, 2 ** 32 - 1), 0)
    .addOption(new Option('--backend <name>', FLAG_VOCABULARY['--backend']).choices(['auto', ...BACKEND_NAMES]))
    .option('--json', `${FLAG_VOCABULARY['--json']} (results.json instead of the table)`)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  aligndial experiment controlled                                  # stories260K: clm, all, bottom:1, top:1 at λ 0..2 (~15 min on 2 cores)\n' +
        '  aligndial experiment controlled --methods clm,clm:3,alignez --log-tensor-norms\n' +
        '  aligndial experiment controlled --model DIR --reward ./my-reward.js --prompts prompts.txt\n' +
        '\nHyperparameters are chosen per method on held-out training pairs, never on the evaluation prompts. Every sample\'s seed is\n' +
        'recorded (samples.jsonl): the same seed under two methods is the same random stream, so λ = 0 reproduces the base exactly.',
    )
    .action(async (options: ExperimentCommandOptions) => {
      const result = await runExperimentCommand(options);
      process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : `${experimentTable(result)}\nFiles in ${options.out}/ (results.json, table.md, plot.svg, samples.jsonl, pairs.jsonl)\n`);
    });
  addDeprecatedFlag(command, { old: '--beta', replacement: '--beta-grid' });
  addDeprecatedFlag(command, { old: '--lr', replacement: '--lr-grid' });
  addDeprecatedFlag(command, { old: '--epochs', replacement: '--epochs-grid' });
}

/** `aligndial experiment controlled`: resolves the flags, runs, writes results, table and plot. */
export async function runExperimentCommand(options: ExperimentCommandOptions, stderr: NodeJS.WritableStream = process.stderr): Promise<ExperimentResult> {
  const model = options.model ?? DEFAULT_EXPERIMENT_MODEL;
  if (!existsSync(join(model, 'config.json'))) {
    throw new AligndialError(options.model ? `--model ${model}: no config.json there` : `no --model given and the default ${resolve(model)} does not exist`, {
      hint: 'Pass --model DIR (a Hugging Face Llama/Qwen2/Mistral directory).',
    });
  }
  await initBackend(options.backend);
  const reward = await loadReward(options.reward);
  let bar: { phase: string; progress: Progress } | undefined;
  const stopBar = () => {
    bar?.progress.stop();
    bar = undefined;
  };
  try {
    const result = await runExperiment({
      model,
      out: options.out,
      methods: parseMethods(options.methods),
      lambdas: options.lambdas,
      reward,
      prompts: options.prompts ? readPromptFile(options.prompts) : storyOpenings(),
      evalPrompts: options.evalPrompts,
      trainPrompts: options.trainPrompts,
      pairSamples: options.pairSamples,
      samples: options.samples,
      maxNewTokens: options.maxNewTokens,
      temperature: options.temperature,
      grid: { betas: options.betaGrid, learningRates: options.lrGrid, epochs: options.epochsGrid },
      selectionHoldout: options.selectionHoldout,
      settings: {
        batchSize: options.batchSize,
        warmupRatio: options.warmupRatio,
        maxGradNorm: options.maxGradNorm,
        seed: options.seed,
        copyLayer: options.copyLayer,
        logTensorNorms: options.logTensorNorms === true,
        alignezLayers: options.alignezLayers,
        alignezK: options.alignezK,
      },
      seed: options.seed,
      samplingBatchSize: options.samplingBatchSize,
      onProgress: (phase, done, total) => {
        if (options.progress === false) return;
        if (bar?.phase !== phase) {
          stopBar();
          bar = { phase, progress: createProgress(phase.padEnd(22), total) };
        }
        bar.progress.update(done);
        if (done >= total) stopBar();
      },
      log: (line) => {
        stopBar();
        stderr.write(`${line}\n`);
      },
    });
    stopBar();
    writeResults(result);
    await writeExperimentReport(result, join(options.out, 'plot'), (m) => stderr.write(`aligndial: warning: ${m}\n`));
    return result;
  } finally {
    stopBar();
  }
}
