import { initBackend } from '@aligndial/core';
import { configForShape, createRandomModel } from '@aligndial/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSyntheticPreferencePairs } from '../data/synthetic-preferences.js';
import { DpoTrainer } from './dpo-trainer.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const CONFIG = configForShape('tiny', { vocabSize: 64, numLayers: 3 });
const pairs = createSyntheticPreferencePairs({ count: 8, vocabSize: 64, seed: 3, promptLength: 4, completionLength: 5, bosTokenId: 1 });

/** Three DPO steps; returns each step's loss and gradient norm, and the final weights. */
async function run(gradientCheckpointing: boolean, trainable: 'all' | 'top:1') {
  const model = createRandomModel(CONFIG, { seed: 7, initStd: 0.1 });
  const trainer = new DpoTrainer({ model, train: pairs, config: { batchSize: 2, maxSteps: 3, learningRate: 1e-3, shuffle: false, trainable, gradientCheckpointing } });
  const result = await trainer.train();
  const weights = new Map([...model.parameters()].map(([n, v]) => [n, v.dataSync().slice() as Float32Array]));
  trainer.dispose();
  model.dispose();
  return { lines: result.log.map((r) => [r.loss as number, r.grad_norm as number]), weights };
}

describe('DpoTrainer with gradient checkpointing', () => {
  for (const trainable of ['all', 'top:1'] as const) {
    it(`gives the same losses, gradient norms and weights as without (trainable ${trainable})`, async () => {
      const plain = await run(false, trainable);
      const checkpointed = await run(true, trainable);
      plain.lines.forEach(([loss, norm], i) => {
        expect(Math.abs(checkpointed.lines[i][0] - loss)).toBeLessThan(1e-5);
        expect(Math.abs(checkpointed.lines[i][1] - norm)).toBeLessThan(1e-5 * Math.max(1, norm));
      });
      for (const [name, w] of plain.weights) {
        const other = checkpointed.weights.get(name)!;
        expect(Math.max(...w.map((x, i) => Math.abs(x - other[i]))), name).toBeLessThan(1e-5);
      }
    });
  }

  it('rejects a non-boolean setting naming the field', () => {
    const model = createRandomModel(CONFIG, { seed: 7 });
    expect(() => new DpoTrainer({ model, train: pairs, config: { gradientCheckpointing: 'yes' as unknown as boolean } })).toThrow(/gradientCheckpointing must be true or false/);
    model.dispose();
  });
});
