export { EngineMatrix, WEIGHT_STORAGES, STORAGE_BYTES, HASH_SAMPLES } from './engine-matrix.js';
export type { WeightStorage } from './engine-matrix.js';
export { configureEngineThreads, engineInfo, parseThreads, shutdownEngineThreads } from './engine.js';
export type { EngineInfo, ThreadsSource } from './engine.js';
export { ENGINE_MAX_BYTES } from './engine-memory.js';
export { engineLinear } from './linear-op.js';
export { engineAvailable } from './availability.js';
