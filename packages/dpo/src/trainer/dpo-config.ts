import { AligndialError, LR_SCHEDULER_TYPES, type LrSchedulerType } from '@aligndial/core';
import { type PreferenceLossType, resolveLossTypes } from '../losses/preference-loss.js';
import type { TrainableSpec } from './trainable-selection.js';

/**
 * DpoTrainer settings, named after TRL's `DPOConfig` (camelCased). Defaults in {@link DEFAULT_DPO_CONFIG}.
 */
export interface DpoConfig {
  /** KL strength β of the DPO-family losses. */
  beta: number;
  /** One loss or several summed with `lossWeights` (e.g. `['sigmoid', 'sft']`). */
  lossType: PreferenceLossType | PreferenceLossType[];
  lossWeights?: number[];
  /** ε of conservative DPO (sigmoid/simpo) and robust DPO. */
  labelSmoothing: number;
  /** SimPO's margin γ. */
  simpoGamma: number;
  /** Which parameters train (`all`, `bottom:K`, `top:K`, names); the rest are frozen. */
  trainable: TrainableSpec;
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
  /** Pairs per micro-batch (TRL `per_device_train_batch_size`); each pair is 2 sequences. */
  batchSize: number;
  /** Micro-batches per optimizer step; the effective batch is batchSize × this. */
  gradientAccumulationSteps: number;
  epochs: number;
  /** Stop after this many optimizer steps (overrides `epochs`). */
  maxSteps?: number;
  /** Clip the global gradient norm to this (0 or Infinity: measure only). */
  maxGradNorm: number;
  /** Seeds the data order (a fresh shuffle each epoch). */
  seed: number;
  shuffle: boolean;
  /** Write a metrics line every this many steps (values averaged over them). */
  loggingSteps: number;
  /** Save a checkpoint every this many steps, and at the end (0: never). Needs an output directory. */
  saveSteps: number;
  /** Keep only this many checkpoints (0: all). */
  saveTotalLimit: number;
  /** Evaluate on the eval split every this many steps (0: only at the end). */
  evalSteps: number;
  /** Pairs per batch for evaluation and for precomputing reference log-probs (default `batchSize`). */
  evalBatchSize?: number;
  /**
   * Activation checkpointing (Hugging Face `gradient_checkpointing`): keep only each decoder layer's input
   * and recompute the layer in the backward pass; about one more forward pass per step, for activation
   * memory that no longer grows with depth. The CLI's `auto` turns it on when the memory plan needs it.
   */
  gradientCheckpointing: boolean;
}

export const DEFAULT_DPO_CONFIG: DpoConfig = {
  beta: 0.1,
  lossType: 'sigmoid',
  labelSmoothing: 0,
  simpoGamma: 0.5,
  trainable: 'all',
  learningRate: 1e-6,
  lrSchedulerType: 'linear',
  warmupRatio: 0,
  warmupSteps: 0,
  weightDecay: 0,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-8,
  batchSize: 4,
  gradientAccumulationSteps: 1,
  epochs: 1,
  maxGradNorm: 1,
  seed: 42,
  shuffle: true,
  loggingSteps: 1,
  saveSteps: 0,
  saveTotalLimit: 0,
  evalSteps: 0,
  gradientCheckpointing: false,
};

function bad(field: string, problem: string, value: unknown): AligndialError {
  return new AligndialError(`DPO config: ${field} ${problem}, got ${JSON.stringify(value)}`);
}

const isInt = (v: unknown, min: number) => typeof v === 'number' && Number.isInteger(v) && v >= min;
const isNum = (v: unknown, min: number, max = Infinity) => typeof v === 'number' && !Number.isNaN(v) && v >= min && v <= max;

/** Fills defaults and validates; errors name the field. */
export function resolveDpoConfig(partial: Partial<DpoConfig> = {}): DpoConfig {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const c: DpoConfig = { ...DEFAULT_DPO_CONFIG, ...defined };
  resolveLossTypes(c.lossType, c.lossWeights);
  if (!isNum(c.beta, Number.MIN_VALUE) || !Number.isFinite(c.beta)) throw bad('beta', 'must be a positive number', c.beta);
  if (!isNum(c.labelSmoothing, 0) || c.labelSmoothing >= 0.5) throw bad('labelSmoothing', 'must be in [0, 0.5)', c.labelSmoothing);
  if (!isNum(c.simpoGamma, -Infinity) || !Number.isFinite(c.simpoGamma)) throw bad('simpoGamma', 'must be a finite number', c.simpoGamma);
  if (!isNum(c.learningRate, 0) || !Number.isFinite(c.learningRate)) throw bad('learningRate', 'must be a non-negative number', c.learningRate);
  if (!LR_SCHEDULER_TYPES.includes(c.lrSchedulerType)) throw bad('lrSchedulerType', `must be one of ${LR_SCHEDULER_TYPES.join(', ')}`, c.lrSchedulerType);
  if (!isNum(c.warmupRatio, 0, 1)) throw bad('warmupRatio', 'must be in [0, 1]', c.warmupRatio);
  if (!isInt(c.warmupSteps, 0)) throw bad('warmupSteps', 'must be a non-negative integer', c.warmupSteps);
  if (!isNum(c.weightDecay, 0) || !Number.isFinite(c.weightDecay)) throw bad('weightDecay', 'must be a non-negative number', c.weightDecay);
  for (const f of ['batchSize', 'gradientAccumulationSteps', 'epochs', 'loggingSteps'] as const) {
    if (!isInt(c[f], 1)) throw bad(f, 'must be a positive integer', c[f]);
  }
  for (const f of ['saveSteps', 'saveTotalLimit', 'evalSteps'] as const) {
    if (!isInt(c[f], 0)) throw bad(f, 'must be a non-negative integer', c[f]);
  }
  if (c.maxSteps !== undefined && !isInt(c.maxSteps, 1)) throw bad('maxSteps', 'must be a positive integer', c.maxSteps);
  if (c.evalBatchSize !== undefined && !isInt(c.evalBatchSize, 1)) throw bad('evalBatchSize', 'must be a positive integer', c.evalBatchSize);
  if (typeof c.gradientCheckpointing !== 'boolean') throw bad('gradientCheckpointing', 'must be true or false', c.gradientCheckpointing);
  if (!isNum(c.maxGradNorm, 0)) throw bad('maxGradNorm', 'must be ≥ 0 (0 = no clipping)', c.maxGradNorm);
  if (!isInt(c.seed, 0) || c.seed >= 2 ** 32) throw bad('seed', 'must be an integer in [0, 2^32)', c.seed);
  return c;
}
