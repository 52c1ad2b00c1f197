import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BackendName,
  type GradientCheckpointingMode,
  type MemoryPlan,
  loadModel,
  saveModel,
  writeFileAtomic,
  writeJsonFile,
} from '@aligndial/core';
import {
  type ChatTemplateMode,
  DpoTrainer,
  type DpoConfig,
  type PreferenceLossType,
  parseTrainableSpec,
  trainableFromConfig,
} from '@aligndial/dpo';
import type { Command } from 'commander';
import type { EngineFlags } from '../engine-flags.js';
import { printResult } from '../flag-vocabulary.js';
import { checkTrainFlags, formatTrainSummary, frozenInEngine, planPreferenceTraining, prepareBeforeWeights, trainSummary, trainerConfigFromFlags, trainingProgress } from './preference-training.js';
import { addPreferenceTrainingFlags } from './training-flags.js';

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
  /** End completions with EOS (`--no-append-eos` turns it off). */
  appendEos: boolean;
  skipInvalid?: boolean;
  resume?: boolean;
  backend?: BackendName | 'auto';
  /** `--weights` / `--threads` (engine-flags.ts). */
  weights?: EngineFlags['weights'];
  threads?: number;
  /** `auto` (default): on when the memory plan says the plain step does not fit. */
  gradientCheckpointing: GradientCheckpointingMode;
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
  /** The memory plan made before training (bytes), and whether checkpointing ran. */
  memoryPlan: MemoryPlan & { budget: number };
}

/** Tokenizer files copied next to the trained weights, when the model directory has them. */
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja', 'special_tokens_map.json', 'tokenizer.model'];

export function registerDpoCommand(program: Command): void {
  const dpo = program.command('dpo').description('Preference optimisation (DPO, IPO, hinge, robust/conservative DPO, SimPO, + SFT).');
  const train = dpo
    .command('train')
    .description('Train a model directory on preference pairs with DPO; saves a Hugging Face directory and metrics.jsonl in --out.')
    .requiredOption('--model <dir>', 'model directory (config.json, model.safetensors, tokenizer.json)')
    .requiredOption('--data <file>', 'preference data: TRL .jsonl, ShareGPT/LLaMA-Factory .json, UltraFeedback .parquet')
    .requiredOption('--out <dir>', 'output directory: model, tokenizer, metrics.jsonl, checkpoints')
    .option('--trainable <spec>', 'all | bottom:K | top:K | comma-separated parameter names', 'all');
  addPreferenceTrainingFlags(train)
    .addHelpText(
      'after',
      '\nExamples:\n  aligndial dpo train --model DIR --data prefs.jsonl --out ./dpo --beta 0.1 --lr 5e-6 --epochs 1\n  aligndial dpo train --model DIR --data ../shared/data/preference/dpo_en_demo.json --out ./dpo-bottom1 --trainable bottom:1 --loss sigmoid,sft --loss-weights 1,0.2 --resume',
    )
    .action(async (options: DpoTrainCommandOptions & { json?: boolean }) => {
      const summary = await runDpoTrain(options);
      printResult(options.json, summary, formatTrainSummary);
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
  // Everything the memory plan needs comes before the weights: the config, the data and the trainable set.
  const { backend, config, tokenizer, maxLength, data } = await prepareBeforeWeights(options, stderr);
  const memory = planPreferenceTraining(options, config, data, trainableFromConfig(config, trainable), backend.name, stderr, frozenInEngine(options.model, options.weights, config));
  const model = loadModel(options.model, { weights: options.weights ?? 'auto' });
  const progress = trainingProgress('dpo', 'reference log-probs');
  const trainer = new DpoTrainer({
    model,
    train: data.train,
    eval: data.eval,
    padTokenId: tokenizer.padTokenId ?? model.config.padTokenId ?? 0,
    outputDir: options.out,
    config: { ...trainerConfigFromFlags(options), trainable, gradientCheckpointing: memory.checkpointing },
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
  return trainSummary(options.out, result, data, trainableParameters, started, memory);
}
