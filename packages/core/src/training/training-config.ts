import { describeValue } from '../util/describe-value.js';
import { AligndialError } from '../errors.js';
import { LR_SCHEDULER_TYPES, type LrSchedulerType } from './lr-schedule.js';

/**
 * The settings every trainer shares (TRL's `TrainingArguments`, camelCased): optimizer, schedule, batching,
 * length, seed and logging/saving/evaluation cadence. Trainer configs extend it (`DpoConfig`; distillation
 * takes a subset); defaults in {@link DEFAULT_TRAINING_CONFIG}.
 */
export interface TrainingConfig {
  /** Peak learning rate of AdamW. */
  learningRate: number;
  lrSchedulerType: LrSchedulerType;
  /** Linear warmup as a fraction of all steps (rounded up); `warmupSteps` > 0 wins. */
  warmupRatio: number;
  warmupSteps: number;
  weightDecay: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEpsilon: number;
  /** Clip the global gradient norm to this (0 or Infinity: measure only). */
  maxGradNorm: number;
  /** Examples per micro-batch (TRL `per_device_train_batch_size`). */
  batchSize: number;
  /** Micro-batches per optimizer step; the effective batch is batchSize × this. */
  gradientAccumulationSteps: number;
  epochs: number;
  /** Stop after this many optimizer steps (overrides `epochs`). */
  maxSteps?: number;
  /** Seeds the data order. */
  seed: number;
  /** Write a metrics line every this many steps (values averaged over them). */
  loggingSteps: number;
  /** Save a checkpoint every this many steps, and at the end (0: never). Needs an output directory. */
  saveSteps: number;
  /** Keep only this many checkpoints (0: all). */
  saveTotalLimit: number;
  /** Evaluate on the eval split every this many steps (0: only at the end). */
  evalSteps: number;
  /**
   * Activation checkpointing (Hugging Face `gradient_checkpointing`): keep only each decoder layer's input
   * and recompute the layer in the backward pass (see `Transformer.gradientCheckpointing`); about one more
   * forward pass per step, for activation memory that no longer grows with depth. The CLI's
   * `--gradient-checkpointing auto` turns it on when the memory plan needs it.
   */
  gradientCheckpointing: boolean;
}

/** TRL's defaults where they apply (DPO's learning rate 1e-6, seed 42). */
export const DEFAULT_TRAINING_CONFIG: Readonly<TrainingConfig> = {
  learningRate: 1e-6,
  lrSchedulerType: 'linear',
  warmupRatio: 0,
  warmupSteps: 0,
  weightDecay: 0,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-8,
  maxGradNorm: 1,
  batchSize: 4,
  gradientAccumulationSteps: 1,
  epochs: 1,
  seed: 42,
  loggingSteps: 1,
  saveSteps: 0,
  saveTotalLimit: 0,
  evalSteps: 0,
  gradientCheckpointing: false,
};

const isInt = (v: unknown, min: number) => typeof v === 'number' && Number.isInteger(v) && v >= min;
const isNum = (v: unknown, min: number, max = Infinity) => typeof v === 'number' && !Number.isNaN(v) && v >= min && v <= max;

/**
 * Checks the shared training fields that `config` has (undefined ones are skipped).
 * @param what - Names the config in messages, e.g. `DPO config`.
 * @throws AligndialError naming the field (`field` is set), e.g. `DPO config: batchSize must be a positive integer, got 0`.
 */
export function validateTrainingConfig(config: Partial<TrainingConfig>, what: string): void {
  const bad = (field: keyof TrainingConfig, problem: string) =>
    new AligndialError(`${what}: ${field} ${problem}, got ${describeValue(config[field])}`, { field });
  const c = config;
  const has = (f: keyof TrainingConfig) => c[f] !== undefined;
  if (has('learningRate') && (!isNum(c.learningRate, 0) || !Number.isFinite(c.learningRate))) throw bad('learningRate', 'must be a non-negative number');
  if (has('lrSchedulerType') && !LR_SCHEDULER_TYPES.includes(c.lrSchedulerType!)) throw bad('lrSchedulerType', `must be one of ${LR_SCHEDULER_TYPES.join(', ')}`);
  if (has('warmupRatio') && !isNum(c.warmupRatio, 0, 1)) throw bad('warmupRatio', 'must be in [0, 1]');
  if (has('warmupSteps') && !isInt(c.warmupSteps, 0)) throw bad('warmupSteps', 'must be a non-negative integer');
  if (has('weightDecay') && (!isNum(c.weightDecay, 0) || !Number.isFinite(c.weightDecay))) throw bad('weightDecay', 'must be a non-negative number');
  for (const f of ['adamBeta1', 'adamBeta2'] as const) if (has(f) && !isNum(c[f], 0, 1)) throw bad(f, 'must be in [0, 1]');
  if (has('adamEpsilon') && (!isNum(c.adamEpsilon, 0) || !Number.isFinite(c.adamEpsilon))) throw bad('adamEpsilon', 'must be a non-negative number');
  for (const f of ['batchSize', 'gradientAccumulationSteps', 'epochs', 'loggingSteps'] as const) {
    if (has(f) && !isInt(c[f], 1)) throw bad(f, 'must be a positive integer');
  }
  for (const f of ['saveSteps', 'saveTotalLimit', 'evalSteps'] as const) if (has(f) && !isInt(c[f], 0)) throw bad(f, 'must be a non-negative integer');
  if (has('maxSteps') && !isInt(c.maxSteps, 1)) throw bad('maxSteps', 'must be a positive integer');
  if (has('maxGradNorm') && !isNum(c.maxGradNorm, 0)) throw bad('maxGradNorm', 'must be ≥ 0 (0 = no clipping)');
  if (has('seed') && (!isInt(c.seed, 0) || c.seed! >= 2 ** 32)) throw bad('seed', 'must be an integer in [0, 2^32)');
  if (has('gradientCheckpointing') && typeof c.gradientCheckpointing !== 'boolean') throw bad('gradientCheckpointing', 'must be true or false');
}
