// Public API of @aligndial/core: an explicit list (internals: ./internal.ts, fixtures: ./testing.ts).
// This file only re-exports.
export { tf } from './runtime/tf.js';
export {
  type Tensor,
  type Tensor1D,
  type Tensor2D,
  type Tensor3D,
  type Tensor4D,
  type Variable,
  type Rank,
  type NamedTensorMap,
} from './runtime/tf.js';
export { initBackend, backendInfo, BACKEND_NAMES } from './runtime/backend.js';
export { type BackendName, type BackendInfo } from './runtime/backend.js';
export { recomputeInBackward, isRecordingGradients, dependsOnTrainable, withCheckpointing } from './runtime/recompute.js';
export { startTensorMemoryMeter, type TensorMemoryMeter } from './runtime/tensor-memory-meter.js';
export { parseModelConfig, toHfConfig, countParameters, parameterSizes, SUPPORTED_ARCHITECTURES, MODEL_CONFIG_LIMITS } from './model/config.js';
export { type ModelConfig, type ModelArchitecture, type RopeScaling } from './model/config.js';
export { Transformer, tokenIdTensor } from './model/transformer.js';
export { type TransformerWeights, type ForwardOptions } from './model/transformer.js';
export type { HeadInput } from './model/head-input.js';
export { DecoderLayer } from './model/decoder-layer.js';
export { rmsNorm } from './model/ops/rms-norm.js';
export { swiGlu } from './model/ops/swiglu.js';
export { qkvRope } from './model/ops/qkv-rope.js';
export { type QkvShape, type QkvRope } from './model/ops/qkv-rope.js';
export { type DecoderLayerWeights, type ForwardHooks, type LayerContext } from './model/decoder-layer.js';
export { KVCache } from './model/kv-cache.js';
export { composeHooks } from './model/compose-hooks.js';
export { type KVCacheEntry } from './model/kv-cache.js';
export { buildMaskBias, positionIdsFromMask, MASKED_SCORE } from './model/attention-mask.js';
export { expectedHfTensors, isIgnorableHfTensor } from './model/hf-layout.js';
export { type HfTensorSpec } from './model/hf-layout.js';
export {
  buildLayer,
  buildTransformer,
  layerToHfTensors,
  loadTransformerWeights,
  saveTransformerWeights,
  validateCheckpoint,
} from './model/weights-io.js';
export { type HfTensorSource } from './model/weights-io.js';
export { loadModel, loadModelConfig, loadGenerationDefaults, saveModel, assertModelDir } from './model/pretrained.js';
export { type GenerationDefaults } from './model/pretrained.js';
export {
  configHash,
  structuralConfig,
  weightsHash,
  modelFingerprint,
  STRUCTURAL_CONFIG_FIELDS,
} from './model/fingerprint.js';
export { type StructuralConfig, type ModelFingerprint, type WeightsHashOptions } from './model/fingerprint.js';
export { assertFitsBackend, WASM_MAX_TENSOR_BYTES, WASM_MAX_WEIGHT_BYTES } from './model/memory-limits.js';
export { resolveWeightStorage, AUTO_TFJS_MAX_BYTES, type LoadModelOptions } from './model/pretrained.js';
export {
  parseWeightsChoice,
  autoStorage,
  assertFitsEngine,
  buildEngineTransformer,
  WEIGHTS_CHOICES,
  type WeightsChoice,
} from './model/engine-weights.js';
export { linear, linearWeightShape, linearWeightValues, toVariable, type LinearWeight } from './model/linear-weight.js';
export { MATRIX_FIELDS, type MatrixField } from './model/decoder-layer.js';
export {
  writeRandomCheckpoint,
  parseTorchDtype,
  type RandomCheckpointDtype,
  type RandomCheckpointOptions,
} from './model/random-checkpoint.js';
export {
  EngineMatrix,
  WEIGHT_STORAGES,
  STORAGE_BYTES,
  HASH_SAMPLES,
  configureEngineThreads,
  engineInfo,
  parseThreads,
  shutdownEngineThreads,
  ENGINE_MAX_BYTES,
  engineLinear,
  engineAvailable,
  type WeightStorage,
  type EngineInfo,
  type ThreadsSource,
} from './engine/index.js';
export { generate, leftPad, NonFiniteLogitsError } from './generation/generate.js';
export {
  type GenerateOptions,
  type GenerateResult,
  type GeneratedSequence,
  type FinishReason,
  type TokenEvent,
  type TokenDecoder,
} from './generation/generate.js';
export { createModelDecoder } from './generation/step-decoder.js';
export { type StepDecoder, type ModelDecoderOptions } from './generation/step-decoder.js';
export { sampleToken, argmax, applyRepetitionPenalty, validateSamplingOptions, REPETITION_PENALTY_RANGE } from './generation/sampling.js';
export { type SamplingOptions } from './generation/sampling.js';
export { tokenLogProbs, sequenceLogProbs, buildSequenceBatch, headChunkPositions } from './generation/logprobs.js';
export { type SequenceBatch, type SequenceLogProbOptions } from './generation/logprobs.js';
export { writeFileAtomic } from './io/atomic-write.js';
export { assertFileMatchesManifest, writeFilesAtomic, sha256File, sha256Chunks, type FileToWrite } from './io/atomic-dir.js';
export { removeStaleTemps } from './io/stale-temps.js';
export { assertRegularFile } from './io/regular-file.js';
export { readTextFile } from './io/read-text-file.js';
export {
  DTYPE_BYTE_SIZE,
  MAX_HEADER_BYTES,
  isSafetensorsDtype,
  parseSafetensorsHeader,
  readHeaderLength,
  type SafetensorsDtype,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './io/safetensors-header.js';
export { SafetensorsReader, type TensorInfo } from './io/safetensors-reader.js';
export { encodeSafetensors, writeSafetensors, type TensorToWrite } from './io/safetensors-writer.js';
export { CheckpointReader, SHARDED_CHECKPOINT_INDEX, SINGLE_CHECKPOINT_FILE } from './io/checkpoint-reader.js';
export { Tokenizer, type DecodeOptions, type EncodeOptions, type TokenizerExtras } from './tokenizer/tokenizer.js';
export {
  ChatTemplate,
  type ChatMessage,
  type ChatTemplateContext,
  type ChatTemplateOptions,
} from './tokenizer/chat-template.js';
export { formatPlainChat } from './tokenizer/plain-chat-format.js';
export { cutText } from './tokenizer/cut-text.js';
export { StreamDecoder, type IdDecoder, type StreamDecoderOptions } from './tokenizer/stream-decoder.js';
export { saveTokenizer } from './tokenizer/save-tokenizer.js';
export { type NamedChatTemplate, type SpecialTokenField, type TokenizerConfig } from './tokenizer/tokenizer-config.js';
export {
  AdamW,
  EXP_AVG_SQ_SUFFIX,
  EXP_AVG_SUFFIX,
  type AdamWOptions,
  type AdamWState,
  type Float32TensorData,
} from './training/adamw.js';
export { isBiasOrNormParameter } from './training/weight-decay-filter.js';
export {
  LR_SCHEDULER_TYPES,
  learningRateAt,
  lrMultiplierAt,
  resolveWarmupSteps,
  type LrScheduleOptions,
  type LrSchedulerType,
} from './training/lr-schedule.js';
export { clipGradsByGlobalNorm, globalGradNorm } from './training/clip-grad-norm.js';
export { optimizerStep, type OptimizerStepOptions } from './training/optimizer-step.js';
export { DEFAULT_TRAINING_CONFIG, validateTrainingConfig, type TrainingConfig } from './training/training-config.js';
export { GradientAccumulator } from './training/gradient-accumulator.js';
export {
  planTrainingMemory,
  modelHeapBytes,
  resolveMemoryPlan,
  trainingMemoryBudget,
  memoryPlanLine,
  formatBytes,
  type MemoryPlan,
  type MemoryPlanInput,
  type ResolvedMemoryPlan,
  type GradientCheckpointingMode,
} from './training/memory-plan.js';
export { logSigmoid } from './training/log-sigmoid.js';
export { computeGradients, type ComputeGradientsOptions, type GradientsResult } from './training/compute-gradients.js';
export { assertFiniteGradNorm, assertFiniteLoss } from './training/training-guard.js';
export { disposeGrads, gradEntries, type NamedGrads } from './training/named-grads.js';
export { OPTIMIZER_FILE, TRAINABLE_FILE, TRAINER_STATE_FILE } from './training/checkpoint-dir.js';
export { saveTrainingCheckpoint, type SaveTrainingCheckpointOptions } from './training/save-checkpoint.js';
export { loadTrainingCheckpoint, type LoadedTrainingCheckpoint } from './training/load-checkpoint.js';
export {
  parseTrainerState,
  trainerStateToJson,
  TRAINER_STATE_FORMAT,
  TRAINER_STATE_VERSION,
  type CheckpointFileEntry,
  type JsonValue,
  type TrainerState,
} from './training/trainer-state.js';
export { AligndialError, isAligndialError, locationPrefix, type AligndialErrorOptions, type ErrorLocation } from './errors.js';
export { Rng } from './util/rng.js';
export { hashString } from './util/hash-string.js';
export { readJsonFile, writeJsonFile, parseJsonText } from './util/json-file.js';
export { describeValue } from './util/describe-value.js';
export { decodeUtf8Strict, firstInvalidUtf8 } from './util/utf8.js';
export { canonicalJson } from './util/canonical-json.js';
