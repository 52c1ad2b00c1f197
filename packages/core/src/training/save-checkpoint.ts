import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AligndialError } from '../errors.js';
import { type TensorToWrite, writeSafetensors } from '../io/safetensors-writer.js';
import { removeStaleTemps } from '../io/stale-temps.js';
import type { tf } from '../runtime/tf.js';
import { writeJsonFile } from '../util/json-file.js';
import type { AdamW } from './adamw.js';
import {
  checkpointDirName,
  listCheckpoints,
  OPTIMIZER_FILE,
  TRAINABLE_FILE,
  TRAINER_STATE_FILE,
} from './checkpoint-dir.js';
import { learningRateAt, type LrScheduleOptions, resolveWarmupSteps } from './lr-schedule.js';
import { trainerStateToJson, type JsonValue, type TrainerState } from './trainer-state.js';

/** What a training checkpoint holds. */
export interface SaveTrainingCheckpointOptions {
  /** Optimizer steps done; the directory is `checkpoint-{step}`. */
  step: number;
  epoch?: number;
  /** The trained variables by name (the optimizer's variables); frozen weights are not saved. */
  variables: ReadonlyMap<string, tf.Variable>;
  optimizer: AdamW;
  /** `rng.getState()` of the data/sampling Rng. */
  rngState: readonly number[];
  /** The learning-rate schedule of the run, recorded with the rate of the next update. */
  lrSchedule?: LrScheduleOptions;
  /** Anything else the trainer needs to resume (JSON). */
  extra?: JsonValue;
  /** Keep only this many checkpoints in `dir` (HF `save_total_limit`): the new one and the newest others. */
  keepLast?: number;
}

/** Best effort: makes a rename inside `dir` durable (not supported on every platform). */
function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Directories cannot be opened for fsync on Windows; the files themselves were fsynced.
  }
}

function float32Data(v: tf.Variable): Float32Array {
  return v.dataSync() as Float32Array;
}

function optimizerMetadata(optimizer: AdamW, steps: Record<string, number>, stepCount: number): Record<string, string> {
  return {
    format: 'aligndial',
    optimizer: 'AdamW',
    step_count: String(stepCount),
    steps: JSON.stringify(steps),
    beta1: String(optimizer.beta1),
    beta2: String(optimizer.beta2),
    eps: String(optimizer.eps),
    weight_decay: String(optimizer.weightDecay),
  };
}

/**
 * Saves `dir/checkpoint-{step}/` with `trainable.safetensors` (the trained variables by name),
 * `optimizer.safetensors` (AdamW's `exp_avg`/`exp_avg_sq` per variable) and `trainer_state.json`.
 * The directory is written under a temporary name and renamed into place, so it appears complete or
 * not at all; an existing checkpoint of the same step is replaced.
 * @returns The checkpoint directory.
 * @throws AligndialError for an invalid step, rng state or keepLast.
 */
export function saveTrainingCheckpoint(dir: string, options: SaveTrainingCheckpointOptions): string {
  const { step, variables, optimizer } = options;
  if (!(Number.isSafeInteger(step) && step >= 0)) throw new AligndialError(`checkpoint step must be a non-negative integer, got ${String(step)}`);
  const rngState = [...options.rngState];
  if (rngState.length !== 4 || !rngState.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)) {
    throw new AligndialError('checkpoint rngState must be 4 unsigned 32-bit integers (Rng.getState())');
  }
  if (options.keepLast !== undefined && !(Number.isInteger(options.keepLast) && options.keepLast >= 1)) {
    throw new AligndialError(`save_total_limit must be a positive integer, got ${String(options.keepLast)}`);
  }
  mkdirSync(dir, { recursive: true });
  removeStaleTemps(dir); // partial checkpoints and files of earlier killed runs
  const finalPath = join(dir, checkpointDirName(step));
  const unique = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const tmpPath = join(dir, `.${checkpointDirName(step)}.tmp-${unique}`);
  mkdirSync(tmpPath);
  try {
    const trainable: Record<string, TensorToWrite> = {};
    for (const [name, v] of variables) trainable[name] = { dtype: 'F32', shape: v.shape, data: float32Data(v) };
    writeSafetensors(join(tmpPath, TRAINABLE_FILE), trainable, { format: 'aligndial', step: String(step) });

    const state = optimizer.exportState();
    writeSafetensors(join(tmpPath, OPTIMIZER_FILE), state.tensors, optimizerMetadata(optimizer, state.steps, state.stepCount));

    const files = [TRAINABLE_FILE, OPTIMIZER_FILE].map((name) => ({ name, bytes: statSync(join(tmpPath, name)).size }));
    const schedule = options.lrSchedule ? { ...options.lrSchedule, warmupSteps: resolveWarmupSteps(options.lrSchedule) } : undefined;
    delete schedule?.warmupRatio; // resolved into warmupSteps
    const trainerState: TrainerState = {
      step,
      epoch: options.epoch,
      lrSchedule: schedule,
      learningRate: schedule ? learningRateAt(step, schedule) : undefined,
      rngState,
      trainableParameters: [...variables.keys()],
      extra: options.extra,
      files,
    };
    // Written last: a directory with trainer_state.json lists only files already complete.
    writeJsonFile(join(tmpPath, TRAINER_STATE_FILE), trainerStateToJson(trainerState));
    fsyncDir(tmpPath);
    replaceDir(tmpPath, finalPath, dir, unique);
  } catch (error) {
    rmSync(tmpPath, { recursive: true, force: true });
    throw error;
  }
  if (options.keepLast !== undefined) pruneCheckpoints(dir, options.keepLast, finalPath);
  return finalPath;
}

/** Renames `from` to `to`, moving an existing `to` aside first (rename cannot replace a non-empty directory). */
function replaceDir(from: string, to: string, parent: string, unique: string): void {
  if (existsSync(to)) {
    const old = join(parent, `.${basename(to)}.old-${unique}`);
    renameSync(to, old);
    renameSync(from, to);
    fsyncDir(parent);
    rmSync(old, { recursive: true, force: true });
    return;
  }
  renameSync(from, to);
  fsyncDir(parent);
}

/** Keeps `keep` and the `keepLast − 1` newest other complete checkpoints in `dir`; deletes the rest. */
function pruneCheckpoints(dir: string, keepLast: number, keep: string): void {
  const others = listCheckpoints(dir).filter((c) => c.path !== keep);
  for (const c of others.slice(0, Math.max(0, others.length - (keepLast - 1)))) rmSync(c.path, { recursive: true, force: true });
}
