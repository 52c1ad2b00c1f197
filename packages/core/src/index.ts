// Public API of @aligndial/core. This file only re-exports.
export * from './runtime/index.js';
export * from './model/index.js';
export * from './engine/index.js';
export * from './generation/index.js';
export * from './io/index.js';
export * from './tokenizer/index.js';
export * from './training/index.js';
export { AligndialError, isAligndialError } from './errors.js';
export { Rng } from './util/rng.js';
export { readJsonFile, writeJsonFile } from './util/json-file.js';
export { canonicalJson } from './util/canonical-json.js';
