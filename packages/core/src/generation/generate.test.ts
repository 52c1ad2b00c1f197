import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AligndialError } from '../errors.js';
import { configForShape, createRandomModel } from '../model/random-model.js';
import type { Transformer } from '../model/transformer.js';
import { initBackend } from '../runtime/backend.js';
import { tf } from '../runtime/tf.js';
import { Rng } from '../util/rng.js';
import { type GenerateOptions, type TokenDecoder, generate } from './generate.js';
import { applyRepetitionPenalty, argmax, sampleToken } from './sampling.js';
import { type StepDecoder, createModelDecoder } from './step-decoder.js';

/**
 * A hand-made StepDecoder: logits come from `logitsFor(row, history)`, where `history` is the row's
 * ids fed so far (left padding included). Records every call.
 */
class FakeDecoder implements StepDecoder {
  readonly calls: { ids: number[][]; mask: number[][] }[] = [];
  private history: number[][] = [];
  disposed = false;
  constructor(
    readonly vocabSize: number,
    private readonly logitsFor: (row: number, history: number[]) => number[],
  ) {}
  next(ids: number[][], attentionMask: number[][]): tf.Tensor2D {
    this.calls.push({ ids: ids.map((r) => [...r]), mask: attentionMask.map((r) => [...r]) });
    this.history = this.history.length === 0 ? ids.map((r) => [...r]) : this.history.map((r, b) => [...r, ...ids[b]]);
    return tf.tensor2d(this.history.map((h, b) => this.logitsFor(b, h)));
  }
  dispose(): void {
    this.disposed = true;
  }
}

const fixed = (logits: number[]) => new FakeDecoder(logits.length, () => logits);

/** Token i decodes to letter 'a' + i; token 9 followed by 10 is 'é' (9 alone: unfinished → U+FFFD); 0 is special. */
const letters: TokenDecoder = {
  decode(ids, options) {
    let out = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === 0) {
        if (!options?.skipSpecialTokens) out += '<eos>';
      } else if (id === 9) {
        if (ids[i + 1] === 10) {
          out += 'é';
          i++;
        } else out += '\uFFFD';
      } else out += String.fromCharCode(97 + (id % 26));
    }
    return out;
  },
};

/** A decoder that spells `script[row]` token by token (logit 10 on the scripted id), then repeats its last id. */
function scripted(V: number, script: number[][], promptLength: (row: number) => number): FakeDecoder {
  return new FakeDecoder(V, (row, history) => {
    const step = history.length - promptLength(row);
    const id = script[row][Math.min(step, script[row].length - 1)];
    return Array.from({ length: V }, (_, i) => (i === id ? 10 : 0));
  });
}

function softmax(logits: number[], temperature = 1): number[] {
  const m = Math.max(...logits);
  const e = logits.map((l) => Math.exp((l - m) / temperature));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

describe('generate and sampling', () => {
  let model: Transformer;
  beforeAll(async () => {
    await initBackend('wasm');
    model = createRandomModel(configForShape('tiny'), { seed: 3, initStd: 0.2 });
  });
  afterAll(() => model.dispose());

  async function run(prompts: number[][], options: GenerateOptions) {
    const decoder = createModelDecoder(model);
    try {
      return await generate(decoder, prompts, options);
    } finally {
      decoder.dispose();
    }
  }

  it('greedy decoding is the argmax chain of full forward passes', async () => {
    const prompt = [1, 50, 120, 7];
    const result = await run([prompt], { maxNewTokens: 12, temperature: 0 });
    const seq = [...prompt];
    for (let i = 0; i < 12; i++) {
      const logits = model.forward([seq], { lastTokenOnly: true });
      seq.push(argmax(logits.dataSync() as Float32Array));
      logits.dispose();
    }
    expect(result.sequences[0].ids).toEqual(seq.slice(prompt.length));
    expect(result.sequences[0].finishReason).toBe('length');
    expect(result).toMatchObject({ promptTokens: 4, generatedTokens: 12 });
  });

  it('sampling with a seed repeats; different seeds differ', async () => {
    const prompts = [[1, 2, 3], [4, 5]];
    const a = await run(prompts, { maxNewTokens: 16, temperature: 1, seed: 11 });
    const b = await run(prompts, { maxNewTokens: 16, temperature: 1, seed: 11 });
    const c = await run(prompts, { maxNewTokens: 16, temperature: 1, seed: 12 });
    expect(b.sequences.map((s) => s.ids)).toEqual(a.sequences.map((s) => s.ids));
    expect(c.sequences.map((s) => s.ids)).not.toEqual(a.sequences.map((s) => s.ids));
  });

  it('top-k = 1 and a tiny top-p both equal greedy', async () => {
    const prompts = [[1, 9, 8], [1, 200]];
    const greedy = (await run(prompts, { maxNewTokens: 10, temperature: 0 })).sequences.map((s) => s.ids);
    for (const options of [{ topK: 1 }, { topP: 1e-9 }, { topK: 1, topP: 0.5, temperature: 3 }]) {
      const sampled = await run(prompts, { maxNewTokens: 10, temperature: 1, seed: 5, ...options });
      expect(sampled.sequences.map((s) => s.ids)).toEqual(greedy);
    }
  });

  it('sampleToken frequencies follow softmax(logits / T), after top-k and top-p', () => {
    const logits = [2, 1, 0.5, 0, -1];
    const n = 20000;
    const frequencies = (options: Parameters<typeof sampleToken>[1], seed: number) => {
      const rng = new Rng(seed);
      const counts = new Array(logits.length).fill(0);
      for (let i = 0; i < n; i++) counts[sampleToken(Float32Array.from(logits), options, rng)]++;
      return counts.map((c) => c / n);
    };
    const close = (got: number[], want: number[]) => got.forEach((p, i) => expect(Math.abs(p - want[i]), `token ${i}: ${p} vs ${want[i]}`).toBeLessThan(0.015));
    for (const T of [0.5, 1, 2]) close(frequencies({ temperature: T }, T * 10), softmax(logits, T));
    // top-k 2: renormalised over the two best.
    const top2 = softmax([2, 1]);
    close(frequencies({ temperature: 1, topK: 2 }, 1), [...top2, 0, 0, 0]);
    // top-p 0.8: the smallest prefix whose mass reaches 0.8 is tokens 0..2 (0.53, 0.73, 0.85).
    const p = softmax(logits);
    expect(p[0] + p[1]).toBeLessThan(0.8);
    expect(p[0] + p[1] + p[2]).toBeGreaterThan(0.8);
    close(frequencies({ temperature: 1, topP: 0.8 }, 2), [...softmax(logits.slice(0, 3)), 0, 0]);
  });

  it('samples through generate with a fake decoder: first-token frequencies match the softmax', async () => {
    const logits = [1.5, 0.5, 0, -0.5];
    const decoder = fixed(logits);
    const rows = 4000;
    const result = await generate(decoder, Array.from({ length: rows }, () => [1]), { maxNewTokens: 1, temperature: 0.8, seed: 3 });
    const counts = new Array(4).fill(0);
    for (const s of result.sequences) counts[s.ids[0]]++;
    softmax(logits, 0.8).forEach((p, i) => expect(Math.abs(counts[i] / rows - p)).toBeLessThan(0.03));
  });

  it('repetition penalty: divides positive logits, multiplies negative ones (transformers), once per token', () => {
    const logits = Float32Array.from([2, -2, 1, 0.5]);
    applyRepetitionPenalty(logits, [0, 1, 1, 1], 2);
    expect(Array.from(logits)).toEqual([1, -4, 1, 0.5]);
    // In generate: the prompt's token 3 (logit 3) is penalised below token 2 (logit 2).
    const rows = (V: number) => Array.from({ length: V }, (_, i) => (i === 3 ? 3 : i === 2 ? 2 : 0));
    return (async () => {
      const plain = await generate(fixed(rows(5)), [[3]], { maxNewTokens: 1, temperature: 0 });
      const penalised = await generate(fixed(rows(5)), [[3]], { maxNewTokens: 2, temperature: 0, repetitionPenalty: 2 });
      expect(plain.sequences[0].ids).toEqual([3]);
      // Step 0: 3/2 = 1.5 < 2 → 2; step 1: both seen → 1.5 vs 1 → 3.
      expect(penalised.sequences[0].ids).toEqual([2, 3]);
    })();
  });

  it('EOS stops one row while the others continue; finished rows are fed the pad id', async () => {
    const V = 12;
    const prompts = [[5, 6], [7], [8, 8, 8]];
    const decoder = scripted(V, [[3, 4, 0], [3, 3, 3, 3, 3], [0]], (row) => Math.max(...prompts.map((p) => p.length)) + 0 * row);
    const result = await generate(decoder, prompts, { maxNewTokens: 5, temperature: 0, eosTokenIds: [0], padTokenId: 11 });
    expect(result.sequences.map((s) => s.ids)).toEqual([[3, 4, 0], [3, 3, 3, 3, 3], [0]]);
    expect(result.sequences.map((s) => s.finishReason)).toEqual(['eos', 'length', 'eos']);
    expect(result.generatedTokens).toBe(9);
    // Prefill: left-padded with the pad id and masked.
    expect(decoder.calls[0]).toEqual({ ids: [[11, 5, 6], [11, 11, 7], [8, 8, 8]], mask: [[0, 1, 1], [0, 0, 1], [1, 1, 1]] });
    // After row 2's EOS at step 0 it is fed the pad id; after row 0's EOS at step 2 too.
    expect(decoder.calls[1].ids).toEqual([[3], [3], [0]]);
    expect(decoder.calls[2].ids).toEqual([[4], [3], [11]]);
    expect(decoder.calls[3].ids).toEqual([[0], [3], [11]]);
    expect(decoder.calls[4].ids).toEqual([[11], [3], [11]]);
    expect(decoder.calls).toHaveLength(5);
    expect(decoder.calls[4].mask[0]).toHaveLength(7);
  });

  it('stop strings cut the text, streaming included', async () => {
    // Spells "bcdefg"; stop at "cd".
    const script = [[1, 2, 3, 4, 5, 6]];
    const streamed: string[] = [];
    const result = await generate(scripted(27, script, () => 1), [[1]], {
      maxNewTokens: 6,
      temperature: 0,
      stopStrings: ['xyz', 'cd'],
      tokenizer: letters,
      onToken: (e) => streamed.push(e.text),
    });
    const seq = result.sequences[0];
    expect(seq).toMatchObject({ text: 'b', finishReason: 'stop', ids: [1, 2, 3] });
    expect(streamed.join('')).toBe(seq.text);
    // A stop string split over tokens ("d" then "e"): "d" is held back, then cut.
    const streamed2: string[] = [];
    const result2 = await generate(scripted(27, [[2, 3, 4, 5]], () => 1), [[1]], {
      maxNewTokens: 4,
      temperature: 0,
      stopStrings: ['de'],
      tokenizer: letters,
      onToken: (e) => streamed2.push(e.text),
    });
    expect(result2.sequences[0]).toMatchObject({ text: 'c', finishReason: 'stop', ids: [2, 3, 4] });
    expect(streamed2.join('')).toBe('c');
    // A held-back partial stop string that never completes is released with the next token.
    const events: string[] = [];
    const result3 = await generate(scripted(27, [[2, 3, 4, 5]], () => 1), [[1]], {
      maxNewTokens: 4,
      temperature: 0,
      stopStrings: ['dx'],
      tokenizer: letters,
      onToken: (e) => events.push(e.text),
    });
    expect(result3.sequences[0]).toMatchObject({ text: 'cdef', finishReason: 'length' });
    expect(events).toEqual(['c', '', 'de', 'f']);
  });

  it('onToken events concatenate to the final text (EOS, length, unfinished characters)', async () => {
    const cases: { script: number[]; max: number }[] = [
      { script: [1, 9, 10, 2, 0], max: 8 }, // "bé c" then EOS (skipped as special)
      { script: [1, 2, 9], max: 3 }, // ends on an unfinished character: final text keeps U+FFFD
      { script: [9, 10, 9, 10], max: 4 },
    ];
    for (const { script, max } of cases) {
      const events: { text: string; step: number; tokenId: number; row: number }[] = [];
      const result = await generate(scripted(27, [script], () => 1), [[1]], {
        maxNewTokens: max,
        temperature: 0,
        eosTokenIds: [0],
        tokenizer: letters,
        onToken: (e) => events.push(e),
      });
      const seq = result.sequences[0];
      expect(events.map((e) => e.tokenId)).toEqual(seq.ids);
      expect(events.map((e) => e.step)).toEqual(seq.ids.map((_, i) => i));
      expect(events.map((e) => e.text).join('')).toBe(seq.text);
      expect(events.every((e) => !e.text.includes('\uFFFD') || e === events[events.length - 1])).toBe(true);
    }
  });

  it('applies the logits processor at every step (with the step number)', async () => {
    const steps: number[] = [];
    const result = await run([[1, 2, 3]], {
      maxNewTokens: 5,
      temperature: 1,
      logitsProcessor: (logits, step) => {
        steps.push(step);
        const mask = tf.oneHot(tf.tensor1d([step + 40], 'int32'), logits.shape[1]).reshape(logits.shape);
        return tf.add(tf.mul(tf.sub(1, mask), -1e9), logits) as tf.Tensor2D;
      },
    });
    expect(steps).toEqual([0, 1, 2, 3, 4]);
    expect(result.sequences[0].ids).toEqual([40, 41, 42, 43, 44]);
  });

  it('maxNewTokens 0 returns no tokens without running the decoder', async () => {
    const decoder = fixed([1, 2, 3]);
    const result = await generate(decoder, [[1], [2, 2]], { maxNewTokens: 0 });
    expect(decoder.calls).toHaveLength(0);
    expect(result.sequences.map((s) => s.ids)).toEqual([[], []]);
    expect(result.sequences.map((s) => s.finishReason)).toEqual(['length', 'length']);
    expect(result.generatedTokens).toBe(0);
    expect(result.tokensPerSecond).toBeGreaterThanOrEqual(0);
  });

  it.each([
    [{ temperature: -1 }, /temperature must be ≥ 0/],
    [{ temperature: Number.NaN }, /temperature must be/],
    [{ topK: 1.5 }, /topK must be a whole number ≥ 0/],
    [{ topP: 0 }, /topP must be in \(0, 1\]/],
    [{ topP: 1.5 }, /topP must be in \(0, 1\]/],
    [{ repetitionPenalty: 0 }, /repetitionPenalty must be between 0\.01 and 100 \(1 = off\), got 0/],
    [{ repetitionPenalty: 1e-300 }, /repetitionPenalty must be between 0\.01 and 100/],
    [{ repetitionPenalty: 1e9 }, /repetitionPenalty must be between 0\.01 and 100/],
    [{ maxNewTokens: -1 }, /maxNewTokens must be a whole number ≥ 0/],
    [{ maxNewTokens: 2.5 }, /maxNewTokens must be a whole number ≥ 0/],
    [{ stopStrings: ['x'] }, /stopStrings need a tokenizer/],
  ] as [GenerateOptions, RegExp][])('rejects bad options %j with an AligndialError', async (options, pattern) => {
    const error = await generate(fixed([0, 1]), [[1]], options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AligndialError);
    expect((error as Error).message).toMatch(pattern);
  });

  it('NaN/∞ logits are an error naming the step, row and likely cause, never a silent token 0', async () => {
    const nanAtStep1 = new FakeDecoder(4, (row, history) => (history.length > 1 && row === 1 ? [0, Number.NaN, 1, 2] : [0, 1, 2, 3]));
    const error = await generate(nanAtStep1, [[1], [2]], { maxNewTokens: 3, temperature: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AligndialError);
    expect((error as Error).message).toMatch(/logits at step 1 \(row 1\) contain NaN or ∞, caused by the model's activations/);
    const blamed = Object.assign(new FakeDecoder(4, () => [0, Infinity, 1, 2]), { nonFiniteCause: 'λ = 90' });
    await expect(generate(blamed, [[1]], { temperature: 0 })).rejects.toThrow(/step 0 \(row 0\) contain NaN or ∞, caused by λ = 90/);
    const processor = (l: tf.Tensor2D) => tf.mul(l, Infinity) as tf.Tensor2D;
    await expect(generate(fixed([0, 1]), [[1]], { temperature: 0, logitsProcessor: processor })).rejects.toThrow(/caused by the logits processor/);
  });

  it('rejects empty prompts', async () => {
    for (const prompts of [[], [[1], []]]) {
      await expect(generate(fixed([0, 1]), prompts, {})).rejects.toThrow(AligndialError);
    }
  });

  it('leaks no tensors (cache, processor, padding, EOS)', async () => {
    const options: GenerateOptions = { maxNewTokens: 6, temperature: 0.9, seed: 1, eosTokenIds: [5], logitsProcessor: (l) => tf.mul(l, 2) as tf.Tensor2D };
    await run([[1, 2], [3]], options); // builds the model's lazily cached RoPE tables and tied head
    for (const noCache of [false, true]) {
      const before = tf.memory().numTensors;
      const decoder = createModelDecoder(model, { noCache });
      await generate(decoder, [[1, 2, 3], [4], [6, 7]], options);
      decoder.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('releases the pending logits when onToken throws', async () => {
    const before = tf.memory().numTensors;
    const decoder = createModelDecoder(model);
    await expect(
      generate(decoder, [[1, 2]], {
        maxNewTokens: 4,
        temperature: 0,
        onToken: () => {
          throw new Error('consumer failed');
        },
      }),
    ).rejects.toThrow('consumer failed');
    decoder.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
