import { AligndialError, DEFAULT_TRAINING_CONFIG, describeValue, type TrainingConfig, validateTrainingConfig } from '@aligndial/core';
import { type PreferenceLossType, resolveLossTypes } from '../losses/preference-loss.js';
import type { TrainableSpec } from './trainable-selection.js';

/**
 * DpoTrainer settings, named after TRL's `DPOConfig` (camelCased): core's shared {@link TrainingConfig}
 * (learning rate, schedule, AdamW, clipping, batching, seed, cadence; `batchSize` counts pairs, each 2
 * sequences) plus DPO's own fields. Defaults in {@link DEFAULT_DPO_CONFIG}.
 */
export interface DpoConfig extends TrainingConfig {
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
  shuffle: boolean;
  /** Pairs per batch for evaluation and for precomputing reference log-probs (default `batchSize`). */
  evalBatchSize?: number;
}

export const DEFAULT_DPO_CONFIG: DpoConfig = {
  ...DEFAULT_TRAINING_CONFIG,
  beta: 0.1,
  lossType: 'sigmoid',
  labelSmoothing: 0,
  simpoGamma: 0.5,
  trainable: 'all',
  shuffle: true,
};

function bad(field: string, problem: string, value: unknown): AligndialError {
  return new AligndialError(`DPO config: ${field} ${problem}, got ${describeValue(value)}`);
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
  validateTrainingConfig(c, 'DPO config');
  if (c.evalBatchSize !== undefined && !isInt(c.evalBatchSize, 1)) throw bad('evalBatchSize', 'must be a positive integer', c.evalBatchSize);
  return c;
}
