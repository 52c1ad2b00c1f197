// Public API of @aligndial/clm. This file only re-exports.
export { validateLambda, MAX_ABS_LAMBDA, pathsFor, mixLogits, mixPaths, mixBeforeHead } from './lambda-mix.js';
export type { WarningSink, LambdaPaths } from './lambda-mix.js';
export { cloneLayer, createIdentityLayer, createIdentityLayers, ZEROED_FIELDS } from './expand.js';
export type { ExpansionOptions } from './expand.js';
export { ClmModel, ClmCache } from './clm-model.js';
export type { ClmForwardOptions, ClmOrigin } from './clm-model.js';
export {
  ADAPTER_FORMAT,
  ADAPTER_FORMAT_VERSION,
  ADAPTER_MANIFEST_FILE,
  ADAPTER_WEIGHTS_FILE,
  parseAdapterManifest,
  readAdapterManifest,
} from './adapter-manifest.js';
export type { AdapterManifest } from './adapter-manifest.js';
export { expandModel, saveAdapter, adapterManifest, applyAdapter, loadClmModel, exportMergedModel, COPIED_MODEL_FILES } from './adapter.js';
export type { SaveAdapterOptions, ApplyAdapterOptions } from './adapter.js';
export { createClmDecoder, generateWithLambda } from './clm-decoder.js';
export type { ClmDecoderOptions, ClmStepDecoder, ClmGenerateOptions } from './clm-decoder.js';
export { createDeraDecoder, deraForward, deraHeadInput } from './dera-decoder.js';
export type { DeraDecoderOptions } from './dera-decoder.js';
export { chatWithLambdas } from './chat.js';
export type { ChatWithLambdasOptions, ChatWithLambdasResult, ChatTurn } from './chat.js';
export { benchmarkClmDecode, runClmDecodeBenchmark } from './bench-decode.js';
export type { ClmDecodeBenchmark, ClmDecodeBenchmarkOptions, RunClmDecodeBenchmarkOptions, DecodeSpeed } from './bench-decode.js';
export { createClmTrainer, trainClm, clmTrainingRecord, clmReferenceLogProbs, addedLayerParameters } from './train.js';
export type { ClmTrainerOptions } from './train.js';
export { distill, distillClmLambda, clmTeacher, frozenClmTeacher, deraTeacher, chosenSequences, meanTokenKl, DISTILL_DEFAULTS } from './distill.js';
export type { DistillTrainingFields, DistillOptions, DistillResult, DistillSequence, DistillClmOptions, TeacherFn, MeanTokenKlOptions } from './distill.js';
export { assertSameTokenizer } from './same-tokenizer.js';
