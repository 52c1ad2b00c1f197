// `@aligndial/core/internal`: building blocks other aligndial packages and benchmarks use, with no
// stability promise: composite op references, dtype bit helpers, RoPE tables, checkpoint-dir helpers and
// the decode-benchmark loop. Apps should use the main entry. This file only re-exports.
export { rmsNormComposite } from './model/ops/rms-norm.js';
export { swiGluComposite } from './model/ops/swiglu.js';
export { qkvRopeComposite } from './model/ops/qkv-rope.js';
export { permute } from './model/ops/permute.js';
export { RopeTables, ropeInverseFrequencies, applyRope } from './model/rope.js';
export { benchmarkDecoders } from './generation/decode-benchmark.js';
export {
  type DecoderUnderTest,
  type DecodeBenchmarkOptions,
  type DecodeTiming,
} from './generation/decode-benchmark.js';
export {
  bf16BitsToNumber,
  bf16ToF32,
  bytesToFloat32,
  bytesToInt32,
  bytesToWeights,
  assertWeightBytes,
  firstNonFinite,
  FLOAT_DTYPES,
  f16BitsToNumber,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  float32ToBf16Bits,
  float32ToF16Bits,
  viewAsNative,
  type NativeTypedArray,
} from './io/dtype-convert.js';
export {
  checkpointDirName,
  latestCheckpoint,
  listCheckpoints,
  readCompleteCheckpoint,
  type CheckpointEntry,
} from './training/checkpoint-dir.js';
