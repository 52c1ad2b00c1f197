import { AligndialError, MODEL_CONFIG_LIMITS, describeValue } from '@aligndial/core';
import type { EditsManifest } from './edits-types.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isWholeNumber = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Validates a parsed `edits.json`. Every field that changes what the edits do is checked for type and range,
 * never coerced: an unknown `alignez.mode` would otherwise fall back to global mode, `k: -1` disable the
 * edits, `"4"` pass as a number, and reordered `layers` put directions on the wrong layers.
 * @param path - Names the file in messages (`path: field "…" …`).
 * @throws AligndialError naming the file and the field.
 */
export function parseEditsManifest(json: unknown, path: string): EditsManifest {
  const bad = (field: string, problem: string) => new AligndialError(`${path}: field "${field}" ${problem}`);
  if (!isObject(json)) throw new AligndialError(`${path}: expected a JSON object`);
  if (json.format !== 'aligndial.edits' || json.version !== 1) {
    throw new AligndialError(`${path}: not an aligndial edits manifest (expected format "aligndial.edits", version 1)`);
  }
  if (json.method !== 'alignez' && json.method !== 'caa') throw bad('method', `must be "alignez" or "caa", got ${describeValue(json.method)}`);

  const model = json.model;
  if (!isObject(model)) throw bad('model', '(the model fingerprint) is missing or not an object');
  for (const field of ['fingerprint', 'configHash', 'weightsHash'] as const) {
    if (typeof model[field] !== 'string' || !SHA256.test(model[field] as string)) throw bad(`model.${field}`, 'must be a sha256 hex string');
  }
  if (typeof model.architecture !== 'string') throw bad('model.architecture', 'must be a string');
  const limits = { hiddenSize: MODEL_CONFIG_LIMITS.hidden_size, numLayers: MODEL_CONFIG_LIMITS.num_hidden_layers, vocabSize: MODEL_CONFIG_LIMITS.vocab_size };
  for (const [field, max] of Object.entries(limits)) {
    if (!isWholeNumber(model[field], 1, max)) throw bad(`model.${field}`, `must be a whole number from 1 to ${max}, got ${describeValue(model[field])}`);
  }
  const numLayers = model.numLayers as number;

  const layers = json.layers;
  if (!Array.isArray(layers) || layers.length === 0) throw bad('layers', `must be a non-empty list of layer indices, got ${describeValue(layers)}`);
  for (let j = 0; j < layers.length; j++) {
    if (!isWholeNumber(layers[j], 0, numLayers - 1)) {
      throw bad(`layers[${j}]`, `must be a layer index from 0 to ${numLayers - 1} (the model has ${numLayers} layers), got ${describeValue(layers[j])}`);
    }
    // Directions are stored in this order: a reordered or repeated list would apply them to the wrong layers.
    if (j > 0 && layers[j] <= layers[j - 1]) throw bad('layers', `must be strictly ascending without repeats, got ${describeValue(layers)}`);
  }
  if (json.hiddenSize !== model.hiddenSize) {
    throw bad('hiddenSize', `is ${describeValue(json.hiddenSize)}, but the model fingerprint says hidden size ${model.hiddenSize as number}`);
  }
  if (json.pooling !== 'last' && json.pooling !== 'mean') throw bad('pooling', `must be "last" or "mean", got ${describeValue(json.pooling)}`);
  if (!isWholeNumber(json.maxTokens, 1, MODEL_CONFIG_LIMITS.max_position_embeddings)) {
    throw bad('maxTokens', `must be a whole number ≥ 1, got ${describeValue(json.maxTokens)}`);
  }
  if (json.tensorsSha256 !== undefined && (typeof json.tensorsSha256 !== 'string' || !SHA256.test(json.tensorsSha256))) {
    throw bad('tensorsSha256', 'must be a sha256 hex string');
  }

  if (json.method === 'alignez') {
    const a = json.alignez;
    if (!isObject(a)) throw bad('alignez', 'is missing (method "alignez" needs its settings: mode, k, …)');
    if (a.mode !== 'knn' && a.mode !== 'global') throw bad('alignez.mode', `must be "knn" or "global", got ${describeValue(a.mode)}`);
    if (!isWholeNumber(a.k, 1)) throw bad('alignez.k', `must be a whole number ≥ 1, got ${describeValue(a.k)}`);
    if (a.embedText !== undefined && a.embedText !== 'response' && a.embedText !== 'query-response') {
      throw bad('alignez.embedText', `must be "response" or "query-response", got ${describeValue(a.embedText)}`);
    }
    if (a.mode === 'knn') {
      const ids = json.knnIds;
      if (!Array.isArray(ids) || ids.length === 0) throw bad('knnIds', 'must be a non-empty list of training query ids (knn mode)');
      const bad_ = ids.findIndex((id) => typeof id !== 'string');
      if (bad_ >= 0) throw bad(`knnIds[${bad_}]`, `must be a string, got ${describeValue(ids[bad_])}`);
    }
  } else if (json.caa !== undefined && !isObject(json.caa)) {
    throw bad('caa', 'must be an object');
  }
  return json as unknown as EditsManifest;
}
