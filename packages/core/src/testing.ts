// `@aligndial/core/testing`: fixtures for tests, examples and benchmarks: the synthetic tokenizer, named
// random model shapes, and where the shared (optional) test data lives. This file only re-exports.
export { createRandomModel, configForShape, MODEL_SHAPES } from './model/random-model.js';
export { type ModelShapeName, type RandomModelOptions } from './model/random-model.js';
export {
  createSyntheticTokenizerJson,
  MAX_SYNTHETIC_VOCAB_SIZE,
  MIN_SYNTHETIC_VOCAB_SIZE,
  SYNTHETIC_CHAT_TEMPLATE,
  type SyntheticTokenizer,
} from './tokenizer/synthetic-tokenizer.js';
export { deterministicValues } from './testing/deterministic-values.js';
