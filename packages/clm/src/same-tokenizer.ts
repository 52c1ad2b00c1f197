import { AligndialError, type Tokenizer } from '@aligndial/core';

/**
 * DeRa mixes two models' logits token by token, which only means something when both models
 * number their vocabulary the same way: same size, same token at every id, same BOS/EOS/PAD.
 * Throws {@link AligndialError} naming the first difference.
 */
export function assertSameTokenizer(aligned: Tokenizer, reference: Tokenizer, names: { aligned: string; reference: string }): void {
  const differ = (what: string, a: unknown, b: unknown) =>
    new AligndialError(`DeRa needs one tokenizer for both models, but ${what} differs: ${names.aligned} has ${String(a)}, ${names.reference} has ${String(b)}`, {
      hint: 'Use an aligned model fine-tuned from the reference model (the same tokenizer files).',
    });
  if (aligned.vocabSize !== reference.vocabSize) throw differ('the vocabulary size', aligned.vocabSize, reference.vocabSize);
  for (const field of ['bosTokenId', 'eosTokenId', 'padTokenId'] as const) {
    if (aligned[field] !== reference[field]) throw differ(field, aligned[field], reference[field]);
  }
  for (let id = 0; id < aligned.vocabSize; id++) {
    const a = aligned.idToToken(id);
    const b = reference.idToToken(id);
    if (a !== b) throw differ(`token ${id}`, JSON.stringify(a), JSON.stringify(b));
  }
}
