export { tf } from './tf.js';
export type { Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Variable, Rank, NamedTensorMap } from './tf.js';
export { initBackend, backendInfo, BACKEND_NAMES } from './backend.js';
export type { BackendName, BackendInfo } from './backend.js';
export { recomputeInBackward, isRecordingGradients, dependsOnTrainable, withCheckpointing } from './recompute.js';
export { startTensorMemoryMeter, type TensorMemoryMeter } from './tensor-memory-meter.js';
