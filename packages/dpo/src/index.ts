// Public API of @aligndial/dpo. This file only re-exports.
export {
  PREFERENCE_LOSS_TYPES,
  REFERENCE_LOSS_TYPES,
  hingeLoss,
  ipoLoss,
  needsReference,
  preferenceLoss,
  resolveLossTypes,
  robustDpoLoss,
  sftLoss,
  sigmoidDpoLoss,
  simpoLoss,
  type PreferenceLogps,
  type PreferenceLossOptions,
  type PreferenceLossResult,
  type PreferenceLossType,
} from './losses/preference-loss.js';
export { kdLossFromTeacher, kdLossFromHeads, klDivergenceFromLogits, predictionMask, type KdLossOptions, type KdLossFromHeadsOptions } from './losses/kd-loss.js';
export {
  PREFERENCE_METRIC_NAMES,
  mergePairStats,
  preferenceMetrics,
  type PairStats,
  type PreferenceMetrics,
} from './metrics/preference-metrics.js';
export { rowToPreferenceExample, type PreferenceExample } from './data/preference-example.js';
export {
  detectPreferenceFormat,
  jsonArrayElementLines,
  readPreferenceFile,
  type PreferenceFileData,
  type PreferenceFileFormat,
  type ReadPreferenceOptions,
  type SkippedRow,
} from './data/read-preference-file.js';
export {
  tokenizePreference,
  cutPreferenceText,
  tokenizePreferences,
  truncatePreference,
  type ChatTemplateMode,
  type TokenizePreferenceOptions,
  type TokenizedPreference,
  type TokenizedPreferenceData,
} from './data/tokenize-preference.js';
export { collatePreferenceBatch, sliceSequenceBatch, type PreferenceBatch } from './data/collate.js';
export { createSyntheticPreferencePairs, type SyntheticPreferenceOptions } from './data/synthetic-preferences.js';
export { splitTrainEval } from './data/split.js';
export { DEFAULT_DPO_CONFIG, resolveDpoConfig, type DpoConfig } from './trainer/dpo-config.js';
export { parseTrainableSpec, selectTrainable, trainableFromConfig, type TrainableSpec } from './trainer/trainable-selection.js';
export {
  computeReferenceLogps,
  modelLogProbs,
  pairsFingerprint,
  readReferenceCache,
  referenceCachePath,
  writeReferenceCache,
  type ReferenceLogps,
  type ReferenceSpec,
  type SequenceLogProbsFn,
} from './trainer/reference.js';
export { MetricsLog, readMetricsLog, type DpoLogRecord } from './trainer/metrics-log.js';
export {
  DpoTrainer,
  type DpoTrainOptions,
  type DpoTrainResult,
  type DpoTrainerOptions,
  type PolicyLogProbsFn,
} from './trainer/dpo-trainer.js';
