import { Tokenizer, createModelDecoder, generate, initBackend, leftPad, tf } from '@aligndial/core';
import { createSyntheticTokenizerJson } from '@aligndial/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandModel } from './adapter.js';
import { chatWithLambdas } from './chat.js';
import { createClmDecoder, generateWithLambda } from './clm-decoder.js';
import { maxAbsDiff, perturbAdded, somePrompts, tinyModel } from './testing/fixtures.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('λ-merged decoding (one batch of 2B rows through the shared base layers)', () => {
  it('equals two separate single-path runs mixed afterwards, within 1e-5, for batched padded prompts over many steps', () => {
    const clm = expandModel(tinyModel(21), { layers: 2 });
    perturbAdded(clm, 3, 0.2);
    const V = clm.vocabSize;
    const { ids, mask } = leftPad(somePrompts(V, 3), 0);
    for (const lambda of [0.5, 1.5, -0.3]) {
      const dual = createClmDecoder(clm, { lambda, warn: () => {} });
      const aligned = createModelDecoder(clm.model);
      const reference = createModelDecoder(clm.reference);
      let stepIds = ids;
      const stepMask = mask.map((r) => [...r]);
      let worst = 0;
      for (let step = 0; step < 6; step++) {
        const got = dual.next(stepIds, stepMask);
        const a = aligned.next(stepIds, stepMask);
        const r = reference.next(stepIds, stepMask);
        const expected = tf.add(tf.mul(a, lambda), tf.mul(r, 1 - lambda));
        expect(got.shape).toEqual([3, V]);
        worst = Math.max(worst, maxAbsDiff(got, expected));
        // Feed the argmax of the mixed logits, as greedy decoding would.
        stepIds = (tf.argMax(got, 1).arraySync() as number[]).map((t) => [t]);
        for (const row of stepMask) row.push(1);
        tf.dispose([got, a, r, expected]);
      }
      expect(worst).toBeLessThan(1e-5);
      dual.dispose();
      aligned.dispose();
      reference.dispose();
    }
    clm.dispose();
  });

  it('λ = 1 decodes exactly like the aligned stack and λ = 0 like the base, each running one path only', async () => {
    const clm = expandModel(tinyModel(22));
    perturbAdded(clm);
    const prompts = somePrompts(clm.vocabSize, 2);
    for (const [lambda, model] of [
      [1, clm.model],
      [0, clm.reference],
    ] as const) {
      const plain = createModelDecoder(model);
      const expected = await generate(plain, prompts, { maxNewTokens: 6, temperature: 0 });
      plain.dispose();
      const got = await generateWithLambda(clm, prompts, { lambda, maxNewTokens: 6, temperature: 0 });
      expect(got.sequences.map((s) => s.ids)).toEqual(expected.sequences.map((s) => s.ids));
    }
    // One path: a single-path step does half the base-layer rows of a mixed step.
    const rows: number[] = [];
    const hooks = { hiddenState: (layer: number, h: tf.Tensor3D) => void (layer === 0 && rows.push(h.shape[0])) };
    for (const lambda of [1, 0, 0.5]) {
      const decoder = createClmDecoder(clm, { lambda, hooks });
      decoder.next([[3, 4, 5]], [[1, 1, 1]]).dispose();
      decoder.dispose();
    }
    expect(rows).toEqual([1, 1, 2]);
    clm.dispose();
  });

  it('works with sampling options, stop strings and streaming, and repeats with the same seed', async () => {
    const clm = expandModel(tinyModel(23));
    perturbAdded(clm);
    const { tokenizerJson, tokenizerConfig } = createSyntheticTokenizerJson(clm.vocabSize);
    const tokenizer = Tokenizer.fromJSON(tokenizerJson, tokenizerConfig);
    const prompts = [tokenizer.encode('Once upon a time'), tokenizer.encode('The cat')];
    const streamed: string[] = ['', ''];
    const options = { lambda: 0.7, maxNewTokens: 10, temperature: 0.9, topK: 50, topP: 0.95, repetitionPenalty: 1.2, seed: 5, tokenizer };
    const first = await generateWithLambda(clm, prompts, { ...options, onToken: (e) => void (streamed[e.row] += e.text) });
    const second = await generateWithLambda(clm, prompts, options);
    expect(first.sequences.map((s) => s.ids)).toEqual(second.sequences.map((s) => s.ids));
    expect(first.sequences.every((s) => s.ids.length > 0)).toBe(true);
    first.sequences.forEach((s, b) => {
      expect(streamed[b].length).toBeGreaterThan(0);
      expect(s.text!.startsWith(streamed[b])).toBe(true);
    });
    // A stop string taken from the middle of row 0's text ends that row there.
    const text = first.sequences[0].text!;
    const stop = text.slice(Math.floor(text.length / 2), Math.floor(text.length / 2) + 2);
    const stopped = await generateWithLambda(clm, prompts, { ...options, stopStrings: [stop] });
    expect(stopped.sequences[0].finishReason).toBe('stop');
    expect(stopped.sequences[0].text).toBe(text.slice(0, text.indexOf(stop)));
    clm.dispose();
  });

  it('rejects NaN/∞ λ and warns once for a negative λ', () => {
    const clm = expandModel(tinyModel(24));
    expect(() => createClmDecoder(clm, { lambda: Number.NaN })).toThrow(/lambda must be a finite number, got NaN/);
    expect(() => createClmDecoder(clm, { lambda: Number.POSITIVE_INFINITY })).toThrow(/got Infinity/);
    const warnings: string[] = [];
    const decoder = createClmDecoder(clm, { lambda: -0.5, warn: (m) => warnings.push(m) });
    decoder.next([[3, 4]], [[1, 1]]).dispose();
    decoder.next([[5]], [[1, 1, 1]]).dispose();
    decoder.dispose();
    expect(warnings).toHaveLength(1);
    clm.dispose();
  });
});

describe('chatWithLambdas (a λ per assistant turn, paper Table 4)', () => {
  it('generates each turn at its own λ over the whole history, for a batch of conversations', async () => {
    const clm = expandModel(tinyModel(25));
    perturbAdded(clm, 9, 0.2);
    const { tokenizerJson, tokenizerConfig } = createSyntheticTokenizerJson(clm.vocabSize);
    const tokenizer = Tokenizer.fromJSON(tokenizerJson, tokenizerConfig);
    const conversations = [
      ['Hi there', 'Tell me more'],
      ['What is two and three', 'And four'],
    ];
    const streamedTurns = new Set<number>();
    const chat = await chatWithLambdas(clm, tokenizer, conversations, {
      lambdas: [1.5, 0.3],
      system: 'Be brief',
      maxNewTokens: 5,
      temperature: 0,
      onToken: (e) => streamedTurns.add(e.turn),
    });
    expect(chat.turns.map((t) => t.lambda)).toEqual([1.5, 0.3]);
    expect([...streamedTurns]).toEqual([0, 1]);
    expect(chat.messages[0].map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant']);
    // Turn 2 is exactly a λ = 0.3 generation over the rendered history.
    const history = chat.messages.map((m) => tokenizer.encodeChat(m.slice(0, 4), { addGenerationPrompt: true }));
    const direct = await generateWithLambda(clm, history, { lambda: 0.3, maxNewTokens: 5, temperature: 0, eosTokenIds: tokenizer.eosTokenIds });
    expect(chat.turns[1].result.sequences.map((s) => s.ids)).toEqual(direct.sequences.map((s) => s.ids));
    await expect(chatWithLambdas(clm, tokenizer, conversations, { lambdas: [1] })).rejects.toThrow(/2 user turn\(s\) but 1 lambda\(s\)/);
    await expect(chatWithLambdas(clm, tokenizer, conversations, { lambdas: [1, Number.NaN] })).rejects.toThrow(/lambda for turn 2 must be a finite number/);
    clm.dispose();
  });
});
