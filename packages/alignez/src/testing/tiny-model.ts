import { type Transformer, Tokenizer } from '@aligndial/core';
import { configForShape, createRandomModel, createSyntheticTokenizerJson } from '@aligndial/core/testing';

/** A 4-layer tiny random Llama with a synthetic 300-token tokenizer (tests only). */
export function tinyModelAndTokenizer(seed = 1, initStd = 0.3): { model: Transformer; tokenizer: Tokenizer } {
  const config = configForShape('tiny', { numLayers: 4 });
  const model = createRandomModel(config, { seed, initStd });
  const { tokenizerJson, tokenizerConfig } = createSyntheticTokenizerJson(config.vocabSize);
  return { model, tokenizer: Tokenizer.fromJSON(tokenizerJson, tokenizerConfig) };
}

export const TINY_QUERIES = [
  'How do I bake bread?',
  'Tell me a story about a cat.',
  'What is the capital of France?',
  'Explain how rain forms.',
  'Give me tips to sleep better.',
  'Write a poem about the sea.',
  'How can I learn to code?',
  'Why is the sky blue?',
].map((query, i) => ({ id: `q${i}`, query }));
