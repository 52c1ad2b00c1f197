import { createModelDecoder, generate, initBackend, tf } from '@aligndial/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandModel } from './adapter.js';
import { createClmDecoder } from './clm-decoder.js';
import { ClmCache } from './clm-model.js';
import { maxAbsDiff, perturbAdded, somePrompts, tinyModel } from './testing/fixtures.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const LAMBDAS = [0, 0.3, 0.5, 1, 1.5, 2, -0.5];

describe('identity layer expansion', () => {
  for (const [name, overrides] of [
    ['llama without biases', {}],
    ['with q/k/v, o_proj and MLP biases', { qkvBias: true, outputBias: true, mlpBias: true }],
  ] as const) {
    it(`keeps the base model's logits within 1e-6 at every λ (${name}; 1 and 3 added layers)`, () => {
      for (const layers of [1, 3]) {
        const base = tinyModel(1, overrides);
        const ids = [
          [5, 17, 99, 4, 250, 31],
          [7, 7, 8, 120, 3, 2],
        ];
        const before = base.forward(ids);
        const clm = expandModel(base, { layers });
        expect(clm.model.layers).toHaveLength(2 + layers);
        for (const lambda of LAMBDAS) {
          const after = clm.forward(ids, { lambda, warn: () => {} });
          expect(maxAbsDiff(after, before)).toBeLessThan(1e-6);
          after.dispose();
        }
        before.dispose();
        clm.dispose();
      }
    });
  }

  it('zeroes o_proj/down_proj (and their biases) and copies every other weight of layer 0', () => {
    const base = tinyModel(2, { qkvBias: true, outputBias: true, mlpBias: true });
    const layer0 = base.layers[0];
    const clm = expandModel(base);
    const added = clm.addedLayers[0];
    for (const [field, v] of added.parameters()) {
      const source = layer0.weights[field as keyof typeof layer0.weights] as tf.Tensor;
      expect(v).not.toBe(source);
      if (['wo', 'bo', 'wDown', 'bDown'].includes(field)) expect(maxAbsDiff(v, tf.zerosLike(v))).toBe(0);
      else expect(maxAbsDiff(v, source)).toBe(0);
    }
    expect([...clm.addedParameters().keys()].every((k) => k.startsWith('layers.0.'))).toBe(true);
    clm.dispose();
  });

  it('gives the base model\'s greedy ids at λ ∈ {0, 0.5, 1, 2} right after expansion', async () => {
    const base = tinyModel(3);
    const prompts = somePrompts(base.config.vocabSize);
    const plain = createModelDecoder(base);
    const expected = (await generate(plain, prompts, { maxNewTokens: 8, temperature: 0 })).sequences.map((s) => s.ids);
    plain.dispose();
    const clm = expandModel(base, { layers: 2 });
    for (const lambda of [0, 0.5, 1, 2]) {
      const decoder = createClmDecoder(clm, { lambda });
      const got = (await generate(decoder, prompts, { maxNewTokens: 8, temperature: 0 })).sequences.map((s) => s.ids);
      decoder.dispose();
      expect(got).toEqual(expected);
    }
    clm.dispose();
  });

  it('rejects a bad number of layers or a copy index outside the model', () => {
    expect(() => expandModel(tinyModel(), { layers: 0 })).toThrow(/added layers must be a whole number ≥ 1/);
    expect(() => expandModel(tinyModel(), { copyLayer: 5 })).toThrow(/cannot copy layer 5: the model has layers 0..1/);
  });
});

describe('ClmModel.forward', () => {
  it('λ=1 is the aligned stack, λ=0 the base stack, and λ mixes them as λ·aligned + (1−λ)·ref', () => {
    const clm = expandModel(tinyModel(4));
    perturbAdded(clm);
    const ids = [[3, 9, 27, 81, 243]];
    const aligned = clm.model.forward(ids);
    const reference = clm.reference.forward(ids);
    expect(maxAbsDiff(aligned, reference)).toBeGreaterThan(1e-2);
    expect(maxAbsDiff(clm.forward(ids, { lambda: 1 }), aligned)).toBe(0);
    expect(maxAbsDiff(clm.forward(ids, { lambda: 0 }), reference)).toBe(0);
    for (const lambda of [0.5, 1.7, -0.4]) {
      const expected = tf.add(tf.mul(aligned, lambda), tf.mul(reference, 1 - lambda));
      expect(maxAbsDiff(clm.forward(ids, { lambda, warn: () => {} }), expected)).toBeLessThan(1e-5);
    }
    clm.dispose();
  });

  it('shares every weight between the aligned and reference paths (no second copy)', () => {
    const clm = expandModel(tinyModel(5));
    const shared = [...clm.reference.parameters().values()];
    const all = new Set(clm.model.parameters().values());
    expect(shared.every((v) => all.has(v))).toBe(true);
    expect(clm.reference.weights).toBe(clm.model.weights);
    expect(clm.reference.layers).toEqual(clm.baseLayers);
    clm.dispose();
  });

  it('rejects NaN and infinite λ, warns for negative λ, and refuses to switch a cache between λ regimes', () => {
    const clm = expandModel(tinyModel(6));
    for (const lambda of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => clm.forward([[3, 4]], { lambda })).toThrow(/lambda must be a finite number/);
    }
    for (const lambda of [1e308, -101, 100.5]) {
      expect(() => clm.forward([[3, 4]], { lambda })).toThrow(/lambda must be between -100 and 100, got/);
    }
    clm.forward([[3, 4]], { lambda: 100 }).dispose();
    const warnings: string[] = [];
    clm.forward([[3, 4]], { lambda: -1, warn: (m) => warnings.push(m) }).dispose();
    expect(warnings).toEqual([expect.stringMatching(/lambda = -1 is negative/)]);
    const cache = new ClmCache();
    clm.forward([[3, 4]], { lambda: 0.5, cache }).dispose();
    expect(() => clm.forward([[5]], { lambda: 1, cache })).toThrow(/cache was filled for a mixed λ/);
    cache.dispose();
    clm.dispose();
  });

  it('gives hooks the base model\'s layer indices (added layers are negative) on both paths', () => {
    const clm = expandModel(tinyModel(7), { layers: 2 });
    const seen: [number, number][] = [];
    clm.forward([[3, 4, 5]], { lambda: 0.5, hooks: { hiddenState: (layer, h) => void seen.push([layer, h.shape[0]]) } }).dispose();
    expect(seen).toEqual([
      [-2, 1],
      [-1, 1],
      [0, 2],
      [1, 2],
    ]);
    clm.dispose();
  });
});
