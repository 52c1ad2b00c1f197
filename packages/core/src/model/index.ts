export { parseModelConfig, toHfConfig, countParameters, parameterSizes, SUPPORTED_ARCHITECTURES } from './config.js';
export type { ModelConfig, ModelArchitecture, RopeScaling } from './config.js';
export { Transformer, tokenIdTensor } from './transformer.js';
export type { TransformerWeights, ForwardOptions } from './transformer.js';
export { DecoderLayer } from './decoder-layer.js';
export { rmsNorm, rmsNormComposite } from './ops/rms-norm.js';
export { swiGlu, swiGluComposite } from './ops/swiglu.js';
export { qkvRope, qkvRopeComposite } from './ops/qkv-rope.js';
export type { QkvShape, QkvRope } from './ops/qkv-rope.js';
export { permute } from './ops/permute.js';
export type { DecoderLayerWeights, ForwardHooks, LayerContext } from './decoder-layer.js';
export { KVCache } from './kv-cache.js';
export type { KVCacheEntry } from './kv-cache.js';
export { RopeTables, ropeInverseFrequencies, applyRope } from './rope.js';
export { buildMaskBias, positionIdsFromMask, MASKED_SCORE } from './attention-mask.js';
export { expectedHfTensors, isIgnorableHfTensor } from './hf-layout.js';
export type { HfTensorSpec } from './hf-layout.js';
export {
  buildLayer,
  buildTransformer,
  layerToHfTensors,
  loadTransformerWeights,
  saveTransformerWeights,
  validateCheckpoint,
} from './weights-io.js';
export type { HfTensorSource } from './weights-io.js';
export { loadModel, loadModelConfig, loadGenerationDefaults, saveModel, assertModelDir } from './pretrained.js';
export type { GenerationDefaults } from './pretrained.js';
export { createRandomModel, configForShape, MODEL_SHAPES } from './random-model.js';
export type { ModelShapeName, RandomModelOptions } from './random-model.js';
export { configHash, structuralConfig, weightsHash, modelFingerprint, STRUCTURAL_CONFIG_FIELDS } from './fingerprint.js';
export type { StructuralConfig, ModelFingerprint, WeightsHashOptions } from './fingerprint.js';
export { assertFitsBackend, WASM_MAX_TENSOR_BYTES, WASM_MAX_WEIGHT_BYTES } from './memory-limits.js';
