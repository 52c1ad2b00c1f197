import { type Transformer, buildSequenceBatch, sequenceLogProbs, tf } from '@aligndial/core';

/**
 * Mean per-token log-probability of each continuation under `model` (the base model: a fluency check
 * that does not trust the model being judged), in batches. A continuation without tokens gets NaN.
 */
export function meanTokenLogProbs(model: Transformer, items: readonly { promptIds: readonly number[]; ids: readonly number[] }[], batchSize = 64): number[] {
  const out = new Array<number>(items.length).fill(Number.NaN);
  const scored = items.map((item, i) => ({ item, i })).filter(({ item }) => item.ids.length > 0);
  for (let start = 0; start < scored.length; start += batchSize) {
    const chunk = scored.slice(start, start + batchSize);
    const batch = buildSequenceBatch(chunk.map(({ item }) => ({ promptIds: item.promptIds, completionIds: item.ids })));
    const values = tf.tidy(() => sequenceLogProbs(model, batch, { average: true }).dataSync().slice());
    chunk.forEach(({ i }, k) => (out[i] = values[k]));
  }
  return out;
}

/** distinct-n: distinct word n-grams / all word n-grams over the texts (lower-cased); 0 when there are none. */
export function distinctN(texts: readonly string[], n: number): number {
  const seen = new Set<string>();
  let total = 0;
  for (const text of texts) {
    const words = text.toLowerCase().match(/[a-z0-9']+/g) ?? [];
    for (let i = 0; i + n <= words.length; i++) {
      seen.add(words.slice(i, i + n).join(' '));
      total++;
    }
  }
  return total === 0 ? 0 : seen.size / total;
}
