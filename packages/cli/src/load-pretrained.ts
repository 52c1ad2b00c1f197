import { type BackendInfo, type Transformer, Tokenizer, initBackend, loadModel, type BackendName } from '@aligndial/core';
import { type EngineFlags, applyEngineFlags } from './engine-threads.js';

/** A model directory loaded for the CLI: weights, tokenizer and the backend they run on. */
export interface LoadedModel {
  model: Transformer;
  tokenizer: Tokenizer;
  backend: BackendInfo;
}

/**
 * Loads a model directory for a command. `engine.weights` (default `auto`) puts the frozen matrices
 * in the matmul engine on the wasm/cpu backends; `engine.threads` sets its thread count.
 */
export async function loadPretrained(dir: string, backend?: BackendName | 'auto', engine: EngineFlags = {}): Promise<LoadedModel> {
  const info = await initBackend(backend);
  applyEngineFlags(engine);
  const model = loadModel(dir, { weights: engine.weights ?? 'auto' });
  const tokenizer = Tokenizer.fromDir(dir);
  return { model, tokenizer, backend: info };
}
