// Barrel for safetensors and checkpoint I/O: re-exports only.
export { writeFileAtomic } from './atomic-write.js';
export { assertRegularFile } from './regular-file.js';
export { readTextFile } from './read-text-file.js';
export { removeStaleTemps } from './stale-temps.js';
export { assertFileMatchesManifest, writeFilesAtomic, sha256File, sha256Chunks, type FileToWrite } from './atomic-dir.js';
export {
  DTYPE_BYTE_SIZE,
  MAX_HEADER_BYTES,
  isSafetensorsDtype,
  parseSafetensorsHeader,
  readHeaderLength,
  type SafetensorsDtype,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './safetensors-header.js';
export { SafetensorsReader, type TensorInfo } from './safetensors-reader.js';
export { encodeSafetensors, writeSafetensors, type TensorToWrite } from './safetensors-writer.js';
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
} from './dtype-convert.js';
export { CheckpointReader, SHARDED_CHECKPOINT_INDEX, SINGLE_CHECKPOINT_FILE } from './checkpoint-reader.js';
