// Public API of @aligndial/core. This file only re-exports.
export * from './runtime/index.js';
export * from './model/index.js';
export * from './generation/index.js';
export * from './io/index.js';
export * from './tokenizer/index.js';
export * from './training/index.js';
export { AligndialError, isAligndialError } from './errors.js';
export { Rng } from './util/rng.js';
export { readJsonFile, writeJsonFile, parseJsonText } from './util/json-file.js';
export { describeValue } from './util/describe-value.js';
export { decodeUtf8Strict, firstInvalidUtf8 } from './util/utf8.js';
export { canonicalJson } from './util/canonical-json.js';
