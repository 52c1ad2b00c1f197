import { loadModel } from '@aligndial/core';
import { addedLayerParameters, applyAdapter, clmTrainingRecord, createClmTrainer, expandModel, readAdapterManifest, saveAdapter } from '@aligndial/clm';
import type { Command } from 'commander';
import { intOption } from '../option-parsers.js';
import { addDeprecatedFlag, addWeightsMismatchFlag, printResult } from '../flag-vocabulary.js';
import { checkTrainFlags, formatTrainSummary, frozenInEngine, planPreferenceTraining, prepareBeforeWeights, trainSummary, trainerConfigFromFlags, trainingProgress } from './preference-training.js';
import type { DpoTrainCommandOptions, DpoTrainSummary } from './dpo-train.js';
import { addPreferenceTrainingFlags } from './training-flags.js';

export interface ClmTrainCommandOptions extends Omit<DpoTrainCommandOptions, 'trainable'> {
  /** Added layers of a fresh adapter. */
  layers: number;
  copyLayer: number;
  /** Continue training this adapter instead of a fresh identity expansion. */
  adapter?: string;
  allowWeightsMismatch?: boolean;
}

/** What `aligndial clm train` prints (one JSON line): dpo train's summary for the adapter. */
export interface ClmTrainSummary extends DpoTrainSummary {
  addedLayers: number;
}

export function registerClmTrainCommand(clm: Command): void {
  const command = clm
    .command('train')
    .description(
      'Train only the CLM layer(s) with DPO (paper Sec. 4.2): base layers and LM head frozen, reference = the same model without the added layers (λ = 0). Writes the adapter, metrics.jsonl and checkpoints to --out.',
    )
    .requiredOption('--model <dir>', 'base model directory (config.json, model.safetensors, tokenizer.json)')
    .requiredOption('--data <file>', 'preference data: TRL .jsonl, ShareGPT/LLaMA-Factory .json, UltraFeedback .parquet')
    .requiredOption('--out <dir>', 'adapter directory: adapter.json, adapter.safetensors, metrics.jsonl, checkpoints')
    .option('--add-layers <n>', 'number of identity layers to add before layer 0 for a fresh adapter (paper Table 7)', intOption(1, 64), 1)
    .option('--copy-layer <i>', 'base layer the added layers copy', intOption(0), 0)
    .option('--adapter <dir>', 'start from this adapter instead of a fresh identity expansion');
  addWeightsMismatchFlag(command);
  addDeprecatedFlag(command, { old: '--layers', replacement: '--add-layers' });
  addPreferenceTrainingFlags(command)
    .addHelpText(
      'after',
      '\nExamples:\n  aligndial clm train --model DIR --data prefs.jsonl --out ./clm-adapter --beta 0.01 --lr 5e-6\n  aligndial generate --model DIR --adapter ./clm-adapter --lambda 1.5 --prompt "What is 2+3?"',
    )
    .action(async (options: Omit<ClmTrainCommandOptions, 'layers'> & { addLayers: number; json?: boolean }) => {
      const summary = await runClmTrain({ ...options, layers: options.addLayers });
      printResult(options.json, summary, (s) => `${formatTrainSummary(s)}\nadapter: ${s.addedLayers} added layer(s) in ${s.out}`);
    });
}

/** `aligndial clm train`: load, expand (or load the adapter), read + tokenize data, train the added layers, save the adapter. */
export async function runClmTrain(options: ClmTrainCommandOptions, stderr: NodeJS.WritableStream = process.stderr): Promise<ClmTrainSummary> {
  const started = performance.now();
  checkTrainFlags(options);
  // The memory plan comes before the weights: config, data, and the added layers (all that trains).
  const { backend, config, tokenizer, maxLength, data } = await prepareBeforeWeights(options, stderr);
  const added = options.adapter ? readAdapterManifest(options.adapter).numAddedLayers : options.layers;
  const trainable = { parameters: addedLayerParameters(config, added), trainsEmbedding: false };
  const memory = planPreferenceTraining(options, { ...config, numLayers: config.numLayers + added }, data, trainable, backend.name, stderr, frozenInEngine(options.model, options.weights, config));
  const model = loadModel(options.model, { weights: options.weights ?? 'auto' });
  let clm;
  try {
    clm = options.adapter
      ? applyAdapter(model, options.adapter, { allowWeightsMismatch: options.allowWeightsMismatch })
      : expandModel(model, { layers: options.layers, copyLayer: options.copyLayer });
  } catch (error) {
    model.dispose();
    throw error;
  }
  try {
    const progress = trainingProgress('clm', 'reference log-probs (λ = 0)');
    const trainerOptions = {
      train: data.train,
      eval: data.eval,
      padTokenId: tokenizer.padTokenId ?? model.config.padTokenId ?? 0,
      outputDir: options.out,
      config: { ...trainerConfigFromFlags(options), gradientCheckpointing: memory.checkpointing },
      onReferenceProgress: progress.onReferenceProgress,
      onStep: progress.onStep,
    };
    const trainer = createClmTrainer(clm, trainerOptions);
    let result: Awaited<ReturnType<typeof trainer.train>>;
    try {
      result = await trainer.train({ resume: options.resume });
    } finally {
      progress.stop();
      trainer.dispose();
    }
    const record = clmTrainingRecord(trainerOptions, result, { data: options.data, maxLength, ...(options.adapter ? { startAdapter: options.adapter } : {}) });
    saveAdapter(clm, options.out, { baseSource: options.model, training: record });
    const trainableParameters = [...clm.addedParameters().values()].reduce((n, v) => n + v.size, 0);
    return { ...trainSummary(options.out, result, data, trainableParameters, started, memory), addedLayers: clm.numAdded };
  } finally {
    clm.dispose();
  }
}
