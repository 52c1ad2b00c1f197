import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BackendName, saveModel, writeFileAtomic, writeJsonFile } from '@aligndial/core';
import {
  type ChatTemplateMode,
  DpoTrainer,
  type DpoConfig,
  type PreferenceLossType,
  PREFERENCE_LOSS_TYPES,
  parseTrainableSpec,
} from '@aligndial/dpo';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { loadPretrained } from '../load-pretrained.js';
import { intOption, numberOption } from '../option-parsers.js';
import { checkTrainFlags, preparePreferences, trainSummary, trainerConfigFromFlags, trainingProgress } from './preference-training.js';

export interface DpoTrainCommandOptions {
  model: string;
  data: string;
  out: string;
  trainable: string;
  beta: number;
  loss: PreferenceLossType[];
  lossWeights?: number[];
  labelSmoothing: number;
  lr: number;
  lrScheduler: DpoConfig['lrSchedulerType'];
  warmupRatio: number;
  weightDecay: number;
  epochs: number;
  maxSteps?: number;
  batchSize: number;
  gradAccum: number;
  maxLength?: number;
  maxPromptLength?: number;
  maxSamples?: number;
  maxGradNorm: number;
  seed: number;
  saveSteps: number;
  saveTotalLimit: number;
  loggingSteps: number;
  evalData?: string;
  evalRatio: number;
  evalSteps: number;
  chatTemplate: ChatTemplateMode;
  skipInvalid?: boolean;
  resume?: boolean;
  backend?: BackendName | 'auto';
}

/** What `aligndial dpo train` prints (one JSON line) when it is done. */
export interface DpoTrainSummary {
  out: string;
  metricsFile: string;
  steps: number;
  trainPairs: number;
  evalPairs: number;
  skippedRows: number;
  truncatedPairs: number;
  trainableParameters: number;
  resumedFrom?: string;
  final: Record<string, number>;
  eval?: Record<string, number>;
  seconds: number;
}

/** Tokenizer files copied next to the trained weights, when the model directory has them. */
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja', 'special_tokens_map.json', 'tokenizer.model'];

function lossList(value: string): PreferenceLossType[] {
  const types = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const t of types) {
    if (!(PREFERENCE_LOSS_TYPES as readonly string[]).includes(t)) throw new InvalidArgumentError(`unknown loss "${t}" (use ${PREFERENCE_LOSS_TYPES.join(', ')})`);
  }
  if (types.length === 0) throw new InvalidArgumentError('give at least one loss');
  return types as PreferenceLossType[];
}

function numberList(value: string): number[] {
  const xs = value.split(',').map((s) => Number(s.trim()));
  if (xs.some((x) => !Number.isFinite(x))) throw new InvalidArgumentError(`expected comma-separated numbers, got "${value}"`);
  return xs;
}

export function registerDpoCommand(program: Command): void {
  const dpo = program.command('dpo').description('Preference optimisation (DPO, IPO, hinge, robust/conservative DPO, SimPO, + SFT).');
  dpo
    .command('train')
    .description('Train a model directory on preference pairs with DPO; saves a Hugging Face directory and metrics.jsonl in --out.')
    .requiredOption('--model <dir>', 'model directory (config.json, model.safetensors, tokenizer.json)')
    .requiredOption('--data <file>', 'preference data: TRL .jsonl, ShareGPT/LLaMA-Factory .json, UltraFeedback .parquet')
    .requiredOption('--out <dir>', 'output directory: model, tokenizer, metrics.jsonl, checkpoints')
    .option('--trainable <spec>', 'all | bottom:K | top:K | comma-separated parameter names', 'all')
    .option('--beta <b>', 'KL strength β', numberOption(Number.MIN_VALUE), 0.1)
    .option('--loss <types>', `comma-separated: ${PREFERENCE_LOSS_TYPES.join(', ')}`, lossList, ['sigmoid'] as PreferenceLossType[])
    .option('--loss-weights <w>', 'comma-separated weight per loss (default 1 each)', numberList)
    .option('--label-smoothing <e>', 'ε for conservative (sigmoid) / robust DPO, in [0, 0.5)', numberOption(0, 0.4999), 0)
    .option('--lr <lr>', 'peak learning rate (AdamW)', numberOption(0), 1e-6)
    .addOption(new Option('--lr-scheduler <type>', 'learning-rate schedule after warmup').choices(['linear', 'cosine', 'constant']).default('linear'))
    .option('--warmup-ratio <r>', 'linear warmup as a fraction of all steps', numberOption(0, 1), 0.1)
    .option('--weight-decay <wd>', 'AdamW decoupled weight decay (not on biases/norms)', numberOption(0), 0)
    .option('--epochs <e>', 'passes over the data', intOption(1, 10_000), 1)
    .option('--max-steps <n>', 'stop after this many optimizer steps (overrides --epochs)', intOption(1))
    .option('--batch-size <n>', 'pairs per micro-batch', intOption(1, 100_000), 4)
    .option('--grad-accum <n>', 'micro-batches per optimizer step', intOption(1, 100_000), 1)
    .option('--max-length <l>', 'longest prompt + completion in tokens (default min(1024, model max positions))', intOption(2))
    .option('--max-prompt-length <l>', 'prompt token budget under truncation (default max-length/2)', intOption(1))
    .option('--max-samples <n>', 'use the first N valid rows', intOption(1))
    .option('--max-grad-norm <n>', 'clip the global gradient norm (0 = off)', numberOption(0), 1)
    .option('--seed <s>', 'data-order seed', intOption(0, 2 ** 32 - 1), 42)
    .option('--save-steps <n>', 'checkpoint every N steps and at the end (0 = never)', intOption(0), 100)
    .option('--save-total-limit <n>', 'keep only the newest N checkpoints (0 = all)', intOption(0), 2)
    .option('--logging-steps <n>', 'a metrics line every N steps', intOption(1), 1)
    .option('--eval-data <file>', 'a separate eval file (same formats)')
    .option('--eval-ratio <r>', 'hold out this fraction of the data for eval', numberOption(0, 0.9), 0)
    .option('--eval-steps <n>', 'evaluate every N steps (0 = only at the end)', intOption(0), 0)
    .addOption(new Option('--chat-template <mode>', 'auto: messages via the chat template, strings concatenated').choices(['auto', 'always', 'never']).default('auto'))
    .option('--skip-invalid', 'drop invalid rows (reported) instead of stopping at the first one')
    .option('--resume', 'continue from the newest checkpoint in --out')
    .option('--backend <name>', 'auto | node-gpu | node | wasm | cpu')
    .addHelpText(
      'after',
      '\nExamples:\n  aligndial dpo train --model DIR --data prefs.jsonl --out ./dpo --beta 0.1 --lr 5e-6 --epochs 1\n  aligndial dpo train --model DIR --data ../shared/data/preference/dpo_en_demo.json --out ./dpo-bottom1 --trainable bottom:1 --loss sigmoid,sft --loss-weights 1,0.2 --resume',
    )
    .action(async (options: DpoTrainCommandOptions) => {
      const summary = await runDpoTrain(options);
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    });
}

function copyTokenizerFiles(from: string, to: string): void {
  for (const name of TOKENIZER_FILES) {
    const path = join(from, name);
    if (existsSync(path)) writeFileAtomic(join(to, name), readFileSync(path));
  }
}

/** `aligndial dpo train`: load, read + tokenize data, train, save. Progress goes to stderr. */
export async function runDpoTrain(options: DpoTrainCommandOptions, stderr: NodeJS.WritableStream = process.stderr): Promise<DpoTrainSummary> {
  const started = performance.now();
  checkTrainFlags(options);
  const trainable = parseTrainableSpec(options.trainable);
  const { model, tokenizer } = await loadPretrained(options.model, options.backend);
  const maxLength = options.maxLength ?? Math.min(1024, model.config.maxPositionEmbeddings);
  const data = await preparePreferences(options, tokenizer, maxLength, stderr);
  const progress = trainingProgress('dpo', 'reference log-probs');
  const trainer = new DpoTrainer({
    model,
    train: data.train,
    eval: data.eval,
    padTokenId: tokenizer.padTokenId ?? model.config.padTokenId ?? 0,
    outputDir: options.out,
    config: { ...trainerConfigFromFlags(options), trainable },
    onReferenceProgress: progress.onReferenceProgress,
    onStep: progress.onStep,
  });
  let result: Awaited<ReturnType<DpoTrainer['train']>>;
  try {
    result = await trainer.train({ resume: options.resume });
  } finally {
    progress.stop();
    trainer.dispose();
  }
  saveModel(model, options.out);
  copyTokenizerFiles(options.model, options.out);
  writeJsonFile(join(options.out, 'dpo_config.json'), { ...trainer.config, model: options.model, data: options.data, maxLength });
  const trainableParameters = [...trainer.trainable.values()].reduce((n, v) => n + v.size, 0);
  model.dispose();
  return trainSummary(options.out, result, data, trainableParameters, started);
}
