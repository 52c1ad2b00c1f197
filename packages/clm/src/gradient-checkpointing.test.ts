import { Rng, initBackend } from '@aligndial/core';
import { createSyntheticPreferencePairs } from '@aligndial/dpo';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandModel } from './adapter.js';
import { distillClmLambda } from './distill.js';
import { perturbAdded, tinyModel } from './testing/fixtures.js';
import { createClmTrainer } from './train.js';

beforeAll(async () => {
  await initBackend('wasm');
});

function newClm() {
  const clm = expandModel(tinyModel(5, { numLayers: 3 }));
  perturbAdded(clm);
  return clm;
}

const addedWeights = (clm: ReturnType<typeof newClm>) => [...clm.addedParameters()].map(([n, v]) => [n, v.dataSync().slice() as Float32Array] as const);

function expectSameWeights(a: ReturnType<typeof addedWeights>, b: ReturnType<typeof addedWeights>): void {
  a.forEach(([name, w], i) => {
    expect(Math.max(...w.map((x, j) => Math.abs(x - b[i][1][j]))), name).toBeLessThan(1e-5);
  });
}

describe('CLM training and distillation with gradient checkpointing', () => {
  it('CLM (DPO on the added layer): the same losses, gradient norms and weights as without', async () => {
    const pairs = createSyntheticPreferencePairs({ count: 6, vocabSize: 300, seed: 2, promptLength: 5, completionLength: 4, bosTokenId: 1 });
    const run = async (gradientCheckpointing: boolean) => {
      const clm = newClm();
      const trainer = createClmTrainer(clm, { train: pairs, config: { batchSize: 2, maxSteps: 3, learningRate: 1e-3, shuffle: false, gradientCheckpointing } });
      const result = await trainer.train();
      trainer.dispose();
      const out = { lines: result.log.map((r) => [r.loss as number, r.grad_norm as number]), weights: addedWeights(clm) };
      clm.dispose();
      return out;
    };
    const plain = await run(false);
    const checkpointed = await run(true);
    plain.lines.forEach(([loss, norm], i) => {
      expect(Math.abs(checkpointed.lines[i][0] - loss)).toBeLessThan(1e-5);
      expect(Math.abs(checkpointed.lines[i][1] - norm)).toBeLessThan(1e-5 * Math.max(1, norm));
    });
    expectSameWeights(plain.weights, checkpointed.weights);
  });

  it('distillation of λ = 0.5: the same KD losses and weights as without', async () => {
    const rng = new Rng(4);
    const data = Array.from({ length: 6 }, () => ({ promptIds: [1, 3 + rng.int(290), 3 + rng.int(290)], completionIds: Array.from({ length: 5 }, () => 3 + rng.int(290)) }));
    const run = async (gradientCheckpointing: boolean) => {
      const clm = newClm();
      const result = await distillClmLambda(clm, 0.5, { data, steps: 3, batchSize: 2, learningRate: 1e-3, gradientCheckpointing });
      const out = { losses: result.losses, weights: addedWeights(clm) };
      clm.dispose();
      return out;
    };
    const plain = await run(false);
    const checkpointed = await run(true);
    plain.losses.forEach((loss, i) => expect(Math.abs(checkpointed.losses[i] - loss)).toBeLessThan(1e-5));
    expectSameWeights(plain.weights, checkpointed.weights);
  });
});
