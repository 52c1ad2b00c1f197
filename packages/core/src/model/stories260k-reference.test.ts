import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shutdownEngineThreads } from '../engine/engine.js';
import { generate } from '../generation/generate.js';
import { sequenceLogProbs } from '../generation/logprobs.js';
import { createModelDecoder } from '../generation/step-decoder.js';
import { initBackend } from '../runtime/backend.js';
import { HAS_STORIES260K, SHARED_ABSENT_MESSAGE, STORIES260K_DIR } from '../testing/shared-paths.js';
import { KVCache } from './kv-cache.js';
import { loadModel } from './pretrained.js';
import type { Transformer } from './transformer.js';

interface Reference {
  greedy_from_bos: { input_ids: number[]; generated_ids: number[]; max_new_tokens: number };
  logits_of_greedy_sequence: { input_ids: number[]; positions: number[]; logits: number[][] };
  sequence_logprob: { input_ids: number[]; sum_logprob_of_tokens_after_bos: number };
}

if (!HAS_STORIES260K) console.warn(SHARED_ABSENT_MESSAGE);

// Weights as tfjs Variables (today's path) and as f32 matrices in the matmul engine: both must match.
describe.skipIf(!HAS_STORIES260K).each([
  { label: 'tfjs weights', weights: undefined },
  { label: 'engine f32 weights', weights: 'f32' as const },
])('stories260K matches the independent reference implementation ($label)', ({ weights }) => {
  let model: Transformer;
  let ref: Reference;
  beforeAll(async () => {
    await initBackend('wasm');
    model = loadModel(STORIES260K_DIR, { weights });
    if (weights) expect(model.weightStorage).toBe(weights);
    ref = JSON.parse(readFileSync(join(STORIES260K_DIR, 'reference.json'), 'utf8'));
  });
  afterAll(() => {
    model.dispose();
    shutdownEngineThreads();
  });

  function maxLogitError(rowLogits: number[][]): number {
    let err = 0;
    ref.logits_of_greedy_sequence.positions.forEach((p, i) => {
      ref.logits_of_greedy_sequence.logits[i].forEach((v, j) => {
        err = Math.max(err, Math.abs(v - rowLogits[p][j]));
      });
    });
    return err;
  }

  it('reproduces the logits at the listed positions within 1e-4 (one full pass)', () => {
    const logits = model.forward([ref.logits_of_greedy_sequence.input_ids]);
    expect(maxLogitError((logits.arraySync() as number[][][])[0])).toBeLessThan(1e-4);
    logits.dispose();
  });

  it('gives the same logits token by token through the KV cache', () => {
    const cache = new KVCache();
    const rows: number[][] = [];
    for (const id of ref.logits_of_greedy_sequence.input_ids) {
      const step = model.forward([[id]], { cache });
      rows.push((step.arraySync() as number[][][])[0][0]);
      step.dispose();
    }
    cache.dispose();
    expect(maxLogitError(rows)).toBeLessThan(1e-4);
  });

  it('reproduces greedy decoding from <s> token for token, with and without the cache', async () => {
    const { input_ids, generated_ids, max_new_tokens } = ref.greedy_from_bos;
    for (const noCache of [false, true]) {
      const decoder = createModelDecoder(model, { noCache });
      const result = await generate(decoder, [input_ids], { maxNewTokens: max_new_tokens, temperature: 0 });
      decoder.dispose();
      expect(result.sequences[0].ids).toEqual(generated_ids);
    }
  });

  it('decodes a left-padded batch exactly like each prompt alone', async () => {
    const full = [ref.greedy_from_bos.input_ids[0], ...ref.greedy_from_bos.generated_ids];
    const prompts = [full.slice(0, 1), full.slice(0, 6), full.slice(0, 3)];
    const decoder = createModelDecoder(model);
    const batched = await generate(decoder, prompts, { maxNewTokens: 20, temperature: 0 });
    decoder.dispose();
    batched.sequences.forEach((s, b) => expect(s.ids).toEqual(full.slice(prompts[b].length, prompts[b].length + 20)));
  });

  it('scores the sequence log-probability within 1e-3, batched with padding too', () => {
    const ids = ref.sequence_logprob.input_ids;
    const short = ids.slice(0, 10);
    const batch = {
      inputIds: [ids, [...short, ...new Array(ids.length - short.length).fill(0)]],
      attentionMask: [ids.map(() => 1), ids.map((_, i) => (i < short.length ? 1 : 0))],
      completionMask: [ids.map((_, i) => (i > 0 ? 1 : 0)), ids.map((_, i) => (i > 0 && i < short.length ? 1 : 0))],
    };
    const logps = sequenceLogProbs(model, batch);
    const [full, prefix] = Array.from(logps.dataSync());
    logps.dispose();
    expect(full).toBeCloseTo(ref.sequence_logprob.sum_logprob_of_tokens_after_bos, 3);
    const alone = sequenceLogProbs(model, { inputIds: [short], attentionMask: [short.map(() => 1)], completionMask: [short.map((_, i) => (i > 0 ? 1 : 0))] });
    expect(prefix).toBeCloseTo(alone.dataSync()[0], 4);
    alone.dispose();
  });
});
