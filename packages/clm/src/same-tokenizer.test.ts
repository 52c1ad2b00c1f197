import { Tokenizer } from '@aligndial/core';
import { createSyntheticTokenizerJson } from '@aligndial/core/testing';
import { describe, expect, it } from 'vitest';
import { assertSameTokenizer } from './same-tokenizer.js';

const names = { aligned: 'aligned/', reference: 'base/' };
const make = (vocab: number, edit?: (json: { model: { vocab: Record<string, number> } }) => void) => {
  const { tokenizerJson, tokenizerConfig } = createSyntheticTokenizerJson(vocab);
  edit?.(tokenizerJson as never);
  return Tokenizer.fromJSON(tokenizerJson, tokenizerConfig);
};

describe('assertSameTokenizer (DeRa)', () => {
  it('accepts identical tokenizers and names the first difference otherwise', () => {
    expect(() => assertSameTokenizer(make(300), make(300), names)).not.toThrow();
    expect(() => assertSameTokenizer(make(300), make(320), names)).toThrow(/the vocabulary size differs: aligned\/ has 300, base\/ has 320/);
    const swapped = make(300, (json) => {
      const vocab = json.model.vocab;
      const [a, b] = Object.keys(vocab).filter((k) => vocab[k] >= 100 && vocab[k] <= 101);
      [vocab[a], vocab[b]] = [vocab[b], vocab[a]];
    });
    expect(() => assertSameTokenizer(make(300), swapped, names)).toThrow(/token 100 differs/);
  });
});
