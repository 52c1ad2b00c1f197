import { AligndialError, type BackendInfo, type BackendName, type ModelConfig, type ResolvedMemoryPlan, Tokenizer, type WeightsChoice, initBackend, loadModelConfig, resolveMemoryPlan, resolveWeightStorage } from '@aligndial/core';
import { type EngineFlags, applyEngineFlags } from '../engine-threads.js';
import { listCheckpoints } from '@aligndial/core/internal';
import { type DpoConfig, type DpoLogRecord, type DpoTrainResult, type TokenizedPreference, readPreferenceFile, splitTrainEval, tokenizePreferences } from '@aligndial/dpo';
import { UsageError } from '../cli-error.js';
import { type Progress, createProgress } from '../progress.js';
import { join } from 'node:path';
import type { DpoTrainCommandOptions, DpoTrainSummary } from './dpo-train.js';

/** What `dpo train` and `clm train` share: flag checks, data preparation, trainer config and progress. */
type TrainFlags = Omit<DpoTrainCommandOptions, 'model' | 'trainable' | 'backend'>;

/** Flag combinations that cannot work, and refusing to overwrite a run without `--resume`. */
export function checkTrainFlags(options: TrainFlags): void {
  if (options.lossWeights && options.lossWeights.length !== options.loss.length) {
    throw new UsageError(`--loss-weights has ${options.lossWeights.length} values but --loss has ${options.loss.length}`);
  }
  if (options.evalData && options.evalRatio > 0) throw new UsageError('give --eval-data or --eval-ratio, not both');
  if (!options.resume && listCheckpoints(options.out).length > 0) {
    throw new AligndialError(`${options.out} already holds checkpoints of a run`, { hint: 'Pass --resume to continue it, or choose another --out.' });
  }
}

export interface PreparedPreferences {
  train: TokenizedPreference[];
  eval: TokenizedPreference[];
  skippedRows: number;
  truncatedPairs: number;
}

/** What a training command knows before any weight is read: enough for the memory plan. */
export interface PreferenceRunInputs {
  backend: BackendInfo;
  config: ModelConfig;
  tokenizer: Tokenizer;
  maxLength: number;
  data: PreparedPreferences;
}

/**
 * The steps `dpo train` and `clm train` share before the weights: backend and engine threads, config,
 * tokenizer, and the tokenized data (so the memory plan can refuse before anything large is loaded).
 */
export async function prepareBeforeWeights(
  options: TrainFlags & EngineFlags & { model: string; backend?: BackendName | 'auto' },
  stderr: NodeJS.WritableStream,
): Promise<PreferenceRunInputs> {
  const backend = await initBackend(options.backend);
  applyEngineFlags(options);
  const config = loadModelConfig(options.model);
  const tokenizer = Tokenizer.fromDir(options.model);
  const maxLength = options.maxLength ?? Math.min(1024, config.maxPositionEmbeddings);
  const data = await preparePreferences(options, tokenizer, maxLength, stderr);
  return { backend, config, tokenizer, maxLength, data };
}

/** Reads, tokenizes and splits the preference data; reports skipped and truncated rows on stderr. */
export async function preparePreferences(
  options: TrainFlags,
  tokenizer: Tokenizer,
  maxLength: number,
  stderr: NodeJS.WritableStream,
): Promise<PreparedPreferences> {
  const tokenizeOptions = {
    maxLength,
    maxPromptLength: options.maxPromptLength,
    chatTemplate: options.chatTemplate,
    skipInvalid: options.skipInvalid,
    appendEos: options.appendEos,
  };
  const data = await readPreferenceFile(options.data, { skipInvalid: options.skipInvalid, maxSamples: options.maxSamples });
  const tokenized = tokenizePreferences(data.examples, tokenizer, tokenizeOptions);
  let skipped = [...data.skipped, ...tokenized.skipped];
  let truncated = tokenized.truncated;
  let { train, eval: evalPairs } = splitTrainEval(tokenized.pairs, options.evalRatio, options.seed);
  if (options.evalData) {
    const evalData = await readPreferenceFile(options.evalData, { skipInvalid: options.skipInvalid });
    const evalTokenized = tokenizePreferences(evalData.examples, tokenizer, tokenizeOptions);
    evalPairs = evalTokenized.pairs;
    skipped = [...skipped, ...evalData.skipped, ...evalTokenized.skipped];
    truncated += evalTokenized.truncated;
  }
  if (skipped.length > 0) stderr.write(`skipped ${skipped.length} invalid row(s); first: ${skipped[0].source}: ${skipped[0].reason}\n`);
  if (truncated > 0) stderr.write(`truncated ${truncated} pair(s) to --max-length ${maxLength}\n`);
  if (train.length === 0) throw new AligndialError(`${options.data}: no pairs left to train on`);
  return { train, eval: evalPairs, skippedRows: skipped.length, truncatedPairs: truncated };
}

/** The trainer config the flags describe (the trainable selection is the caller's). */
export function trainerConfigFromFlags(options: TrainFlags): Partial<DpoConfig> {
  return {
    beta: options.beta,
    lossType: options.loss,
    lossWeights: options.lossWeights,
    labelSmoothing: options.labelSmoothing,
    learningRate: options.lr,
    lrSchedulerType: options.lrScheduler,
    warmupRatio: options.warmupRatio,
    weightDecay: options.weightDecay,
    epochs: options.epochs,
    maxSteps: options.maxSteps,
    batchSize: options.batchSize,
    gradientAccumulationSteps: options.gradAccum,
    maxGradNorm: options.maxGradNorm,
    seed: options.seed,
    saveSteps: options.saveSteps,
    saveTotalLimit: options.saveTotalLimit,
    loggingSteps: options.loggingSteps,
    evalSteps: options.evalSteps,
  };
}

/**
 * Whether `loadModel(dir, { weights })` will hold the frozen matrices in the matmul engine (outside the tfjs
 * heap). `auto` reads the checkpoint's header for its dtype; a header that cannot be read counts as "no"
 * (the conservative plan), and loading the weights reports the file's problem.
 */
export function frozenInEngine(dir: string, weights: WeightsChoice | undefined, config: ModelConfig): boolean {
  try {
    return resolveWeightStorage(dir, weights ?? 'auto', config) !== undefined;
  } catch {
    return false;
  }
}

/**
 * The memory plan of the run the flags describe, made before any weight is read: the longest
 * micro-batch the data can form, the trainable set and AdamW. Prints its one line on stderr, decides
 * `--gradient-checkpointing auto`, and refuses (AligndialError) a run that cannot fit.
 */
export function planPreferenceTraining(
  options: TrainFlags,
  config: ModelConfig,
  data: PreparedPreferences,
  trainable: { parameters: number; trainsEmbedding: boolean },
  backend: string,
  stderr: NodeJS.WritableStream,
  /** Whether the frozen matrices will be held by the matmul engine (outside the tfjs heap). */
  frozenMatricesInEngine = false,
): ResolvedMemoryPlan {
  let length = 2;
  let longestCompletions = 0;
  for (const p of [...data.train, ...data.eval]) {
    length = Math.max(length, p.promptIds.length + Math.max(p.chosenIds.length, p.rejectedIds.length));
    longestCompletions = Math.max(longestCompletions, p.chosenIds.length + p.rejectedIds.length);
  }
  const pairs = Math.min(options.batchSize, data.train.length);
  const resolved = resolveMemoryPlan(
    {
      config,
      rows: 2 * pairs,
      length,
      scoredPositions: pairs * longestCompletions,
      trainableParameters: trainable.parameters,
      trainsEmbedding: trainable.trainsEmbedding,
      frozenInEngine: frozenMatricesInEngine,
    },
    options.gradientCheckpointing,
    backend,
    { what: `training ${pairs} pair(s) × ${length} tokens per micro-batch` },
  );
  stderr.write(`${resolved.line}\n`);
  return resolved;
}

/** Progress bars for the reference pass and the training steps (loss, accuracy, margin). */
export function trainingProgress(label: string, referenceLabel: string) {
  let bar: Progress | undefined;
  return {
    onReferenceProgress: (done: number, total: number) => {
      bar ??= createProgress(referenceLabel, total);
      bar.update(done);
      if (done === total) {
        bar.stop();
        bar = undefined;
      }
    },
    onStep: (record: DpoLogRecord, total: number) => {
      bar ??= createProgress(label, total, { loss: '-', acc: '-', margin: '-' });
      bar.update(record.step, {
        loss: record.loss.toFixed(4),
        acc: (record['rewards/accuracies'] ?? 0).toFixed(2),
        margin: (record['rewards/margins'] ?? 0).toFixed(3),
      });
    },
    stop: () => bar?.stop(),
  };
}

/** What `dpo train` and `clm train` print when they are done, in words (`--json` prints the summary object). */
export function formatTrainSummary(s: DpoTrainSummary): string {
  const metric = (name: string, digits = 4) => (typeof s.final[name] === 'number' ? s.final[name].toFixed(digits) : '-');
  return [
    `trained ${s.steps} steps on ${s.trainPairs} pairs${s.resumedFrom ? ` (resumed from ${s.resumedFrom})` : ''}: loss ${metric('loss')}, reward accuracy ${metric('rewards/accuracies', 2)}, margin ${metric('rewards/margins')}`,
    `${s.trainableParameters} trainable parameters; ${s.out} (metrics in ${s.metricsFile}); ${s.seconds} s`,
    ...(s.eval ? [`eval on ${s.evalPairs} pairs: loss ${s.eval.loss?.toFixed(4) ?? '-'}, reward accuracy ${s.eval['rewards/accuracies']?.toFixed(2) ?? '-'}`] : []),
    ...(s.skippedRows || s.truncatedPairs ? [`${s.skippedRows} invalid rows skipped, ${s.truncatedPairs} pairs truncated`] : []),
  ].join('\n');
}

/** The summary that `dpo train` and `clm train` return (and print with --json). */
export function trainSummary(
  out: string,
  result: DpoTrainResult,
  data: PreparedPreferences,
  trainableParameters: number,
  startedAt: number,
  memory: ResolvedMemoryPlan,
): DpoTrainSummary {
  const trainLines = result.log.filter((r) => 'loss' in r);
  return {
    out,
    metricsFile: join(out, 'metrics.jsonl'),
    steps: result.step,
    trainPairs: data.train.length,
    evalPairs: data.eval.length,
    skippedRows: data.skippedRows,
    truncatedPairs: data.truncatedPairs,
    trainableParameters,
    resumedFrom: result.resumedFrom,
    final: (trainLines.at(-1) ?? {}) as Record<string, number>,
    eval: result.eval,
    seconds: Math.round((performance.now() - startedAt) / 10) / 100,
    memoryPlan: { ...memory.plan, budget: memory.budget.bytes },
  };
}
