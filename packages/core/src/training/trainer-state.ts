import { describeValue } from '../util/describe-value.js';
import { AligndialError } from '../errors.js';
import { LR_SCHEDULER_TYPES, type LrScheduleOptions, type LrSchedulerType } from './lr-schedule.js';

/** Any JSON value (for the caller's `extra` data in a checkpoint). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A file of a checkpoint and its size, so a reader can tell a complete checkpoint from a damaged one. */
export interface CheckpointFileEntry {
  name: string;
  bytes: number;
}

/** The contents of `trainer_state.json` (snake_case on disk, as Hugging Face's file of that name). */
export interface TrainerState {
  /** Optimizer steps done (HF `global_step`). */
  step: number;
  epoch?: number;
  /** The schedule with its warmup resolved to `warmupSteps`, when the run used one. */
  lrSchedule?: LrScheduleOptions;
  /** The learning rate of the next update, for information. */
  learningRate?: number;
  /** The data/sampling `Rng` state, to continue its stream exactly. */
  rngState: number[];
  /** Names of the trained parameters, as in `trainable.safetensors`. */
  trainableParameters: string[];
  extra?: JsonValue;
  /** The other files of the checkpoint (not trainer_state.json itself). */
  files: CheckpointFileEntry[];
}

export const TRAINER_STATE_FORMAT = 'aligndial-trainer-state';
export const TRAINER_STATE_VERSION = 1;

/** The state as the JSON object written to `trainer_state.json`. */
export function trainerStateToJson(state: TrainerState): Record<string, unknown> {
  const s = state.lrSchedule;
  return {
    format: TRAINER_STATE_FORMAT,
    version: TRAINER_STATE_VERSION,
    global_step: state.step,
    ...(state.epoch === undefined ? {} : { epoch: state.epoch }),
    ...(s === undefined
      ? {}
      : {
          lr_scheduler: {
            lr_scheduler_type: s.schedule,
            learning_rate: s.learningRate,
            num_training_steps: s.totalSteps,
            warmup_steps: s.warmupSteps ?? 0,
            ...(s.numCycles === undefined ? {} : { num_cycles: s.numCycles }),
          },
        }),
    ...(state.learningRate === undefined ? {} : { learning_rate: state.learningRate }),
    rng_state: state.rngState,
    trainable_parameters: state.trainableParameters,
    ...(state.extra === undefined ? {} : { extra: state.extra }),
    files: state.files,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNonNegativeInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Validates a parsed `trainer_state.json`.
 * @param file - Named in error messages.
 * @throws AligndialError naming the file and the field that is wrong.
 */
export function parseTrainerState(json: unknown, file: string): TrainerState {
  const bad = (field: string, problem: string) => new AligndialError(`${file}: field "${field}" ${problem}`);
  if (!isObject(json)) throw new AligndialError(`${file}: expected a JSON object`);
  if (json.format !== TRAINER_STATE_FORMAT) throw bad('format', `must be "${TRAINER_STATE_FORMAT}", got ${describeValue(json.format)}`);
  if (json.version !== TRAINER_STATE_VERSION) throw bad('version', `${describeValue(json.version)} is not supported (expected ${TRAINER_STATE_VERSION})`);
  if (!isNonNegativeInt(json.global_step)) throw bad('global_step', 'must be a non-negative integer');
  if (json.epoch !== undefined && !(typeof json.epoch === 'number' && Number.isFinite(json.epoch))) throw bad('epoch', 'must be a number');
  const rng = json.rng_state;
  if (!Array.isArray(rng) || rng.length !== 4 || !rng.every((x) => isNonNegativeInt(x) && x < 2 ** 32)) {
    throw bad('rng_state', 'must be 4 unsigned 32-bit integers');
  }
  const params = json.trainable_parameters;
  if (!Array.isArray(params) || !params.every((p) => typeof p === 'string')) throw bad('trainable_parameters', 'must be a list of names');
  const files = json.files;
  if (!Array.isArray(files) || !files.every((f) => isObject(f) && typeof f.name === 'string' && isNonNegativeInt(f.bytes))) {
    throw bad('files', 'must be a list of {name, bytes}');
  }
  const state: TrainerState = {
    step: json.global_step,
    rngState: rng as number[],
    trainableParameters: params as string[],
    files: (files as CheckpointFileEntry[]).map(({ name, bytes }) => ({ name, bytes })),
  };
  if (json.epoch !== undefined) state.epoch = json.epoch as number;
  if (typeof json.learning_rate === 'number') state.learningRate = json.learning_rate;
  if (json.extra !== undefined) state.extra = json.extra as JsonValue;
  if (json.lr_scheduler !== undefined) {
    const s = json.lr_scheduler;
    if (
      !isObject(s) ||
      !(LR_SCHEDULER_TYPES as readonly unknown[]).includes(s.lr_scheduler_type) ||
      typeof s.learning_rate !== 'number' ||
      !isNonNegativeInt(s.num_training_steps) ||
      !isNonNegativeInt(s.warmup_steps) ||
      (s.num_cycles !== undefined && typeof s.num_cycles !== 'number')
    ) {
      throw bad('lr_scheduler', 'must hold lr_scheduler_type, learning_rate, num_training_steps and warmup_steps');
    }
    state.lrSchedule = {
      schedule: s.lr_scheduler_type as LrSchedulerType,
      learningRate: s.learning_rate,
      totalSteps: s.num_training_steps,
      warmupSteps: s.warmup_steps,
      ...(s.num_cycles === undefined ? {} : { numCycles: s.num_cycles as number }),
    };
  }
  return state;
}
