// Barrel for the training primitives: re-exports only.
export {
  AdamW,
  EXP_AVG_SQ_SUFFIX,
  EXP_AVG_SUFFIX,
  type AdamWOptions,
  type AdamWState,
  type Float32TensorData,
} from './adamw.js';
export { isBiasOrNormParameter } from './weight-decay-filter.js';
export {
  LR_SCHEDULER_TYPES,
  learningRateAt,
  lrMultiplierAt,
  resolveWarmupSteps,
  type LrScheduleOptions,
  type LrSchedulerType,
} from './lr-schedule.js';
export { clipGradsByGlobalNorm, globalGradNorm } from './clip-grad-norm.js';
export { GradientAccumulator } from './gradient-accumulator.js';
export { logSigmoid } from './log-sigmoid.js';
export { computeGradients, type ComputeGradientsOptions, type GradientsResult } from './compute-gradients.js';
export { assertFiniteGradNorm, assertFiniteLoss } from './training-guard.js';
export { disposeGrads, gradEntries, type NamedGrads } from './named-grads.js';
export {
  checkpointDirName,
  latestCheckpoint,
  listCheckpoints,
  readCompleteCheckpoint,
  OPTIMIZER_FILE,
  TRAINABLE_FILE,
  TRAINER_STATE_FILE,
  type CheckpointEntry,
} from './checkpoint-dir.js';
export { saveTrainingCheckpoint, type SaveTrainingCheckpointOptions } from './save-checkpoint.js';
export { loadTrainingCheckpoint, type LoadedTrainingCheckpoint } from './load-checkpoint.js';
export {
  parseTrainerState,
  trainerStateToJson,
  TRAINER_STATE_FORMAT,
  TRAINER_STATE_VERSION,
  type CheckpointFileEntry,
  type JsonValue,
  type TrainerState,
} from './trainer-state.js';
export {
  planTrainingMemory,
  resolveMemoryPlan,
  trainingMemoryBudget,
  memoryPlanLine,
  formatBytes,
  type MemoryPlan,
  type MemoryPlanInput,
  type ResolvedMemoryPlan,
  type GradientCheckpointingMode,
} from './memory-plan.js';
