import { AligndialError, Rng, type StepDecoder, type Tokenizer, leftPad, sampleToken } from '@aligndial/core';

/** One sampled continuation. */
export interface SeededSample {
  /** Index of the prompt in the prompts given. */
  prompt: number;
  /** The sample's seed: the same seed gives the same continuation under the same model and λ. */
  seed: number;
  ids: number[];
  text: string;
}

export interface SeededSamplingOptions {
  maxNewTokens: number;
  temperature: number;
  /** Rows per batch (default 128): bounds memory; results do not depend on it. */
  batchSize?: number;
  /** Called after each batch with (rows done, total). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Samples one continuation per (prompt, seed) row, each row with its own random stream `Rng(seed)`, so a
 * row's text depends only on its seed and the next-token distributions — never on batching or on other
 * rows. The same seeds under two models are then common random numbers: at λ = 0 a CLM reproduces the
 * base model's samples byte for byte, and paired differences between methods are not blurred by sampling
 * noise that has nothing to do with the methods. Rows stop at an EOS token or after `maxNewTokens`.
 * @param createDecoder - A fresh decoder per batch (its KV cache holds that batch).
 */
export async function sampleWithSeeds(
  createDecoder: () => StepDecoder,
  tokenizer: Tokenizer,
  prompts: readonly (readonly number[])[],
  rows: readonly { prompt: number; seed: number }[],
  options: SeededSamplingOptions,
): Promise<SeededSample[]> {
  const batchSize = options.batchSize ?? 128;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new AligndialError(`sampling batch size must be a whole number ≥ 1, got ${batchSize}`);
  const eos = new Set(tokenizer.eosTokenIds);
  const padId = tokenizer.eosTokenIds[0] ?? 0;
  const out: SeededSample[] = [];
  for (let start = 0; start < rows.length; start += batchSize) {
    const batch = rows.slice(start, start + batchSize);
    const rngs = batch.map((r) => new Rng(r.seed >>> 0));
    const { ids, mask } = leftPad(
      batch.map((r) => prompts[r.prompt]),
      padId,
    );
    const generated: number[][] = batch.map(() => []);
    const done = batch.map(() => false);
    const decoder = createDecoder();
    try {
      let logits = options.maxNewTokens > 0 ? decoder.next(ids, mask) : undefined;
      for (let step = 0; logits; step++) {
        const values = (await logits.data()) as Float32Array;
        logits.dispose();
        logits = undefined;
        const V = values.length / batch.length;
        const next: number[][] = [];
        batch.forEach((_, b) => {
          if (done[b]) return void next.push([padId]);
          const token = sampleToken(values.slice(b * V, (b + 1) * V), { temperature: options.temperature }, rngs[b]);
          if (eos.has(token)) done[b] = true;
          else generated[b].push(token);
          if (generated[b].length >= options.maxNewTokens) done[b] = true;
          next.push([token]);
        });
        if (done.every(Boolean)) break;
        for (const row of mask) row.push(1);
        logits = decoder.next(next, mask);
      }
    } finally {
      decoder.dispose();
    }
    batch.forEach((r, b) => out.push({ prompt: r.prompt, seed: r.seed, ids: generated[b], text: tokenizer.decode(generated[b], { skipSpecialTokens: true }) }));
    options.onProgress?.(Math.min(start + batchSize, rows.length), rows.length);
  }
  return out;
}

/** Rows for N samples of each of P prompts: sample j of prompt i has seed `seed + i·N + j` (recorded in the results). */
export function sampleRows(promptCount: number, samplesPerPrompt: number, seed: number): { prompt: number; seed: number }[] {
  return Array.from({ length: promptCount * samplesPerPrompt }, (_, k) => ({ prompt: Math.floor(k / samplesPerPrompt), seed: seed + k }));
}
