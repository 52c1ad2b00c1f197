import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../runtime/backend.js';
import { tf } from '../runtime/tf.js';
import { AdamW } from './adamw.js';
import { optimizerStep } from './optimizer-step.js';
import { DEFAULT_TRAINING_CONFIG, validateTrainingConfig } from './training-config.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('optimizerStep', () => {
  it('clips to maxGradNorm before AdamW and disposes every gradient', () => {
    // Adam's first step moves each weight by lr·sign(g) whatever the scale, so compare against a direct
    // AdamW step on the clipped gradient [0.6, 0.8] (norm 10 → 1).
    const w = tf.variable(tf.tensor1d([1, 1]), false);
    const reference = tf.variable(tf.tensor1d([1, 1]), false);
    const optimizer = new AdamW([['w', w]], { weightDecay: 0.1 });
    const referenceOptimizer = new AdamW([['w', reference]], { weightDecay: 0.1 });
    let count = tf.memory().numTensors;
    const norm = optimizerStep(optimizer, new Map([['w', tf.tensor1d([6, 8])]]), { learningRate: 0.5, maxGradNorm: 1, step: 1 });
    const growth = tf.memory().numTensors - count;
    count = tf.memory().numTensors;
    const clipped = tf.tensor1d([0.6, 0.8]);
    referenceOptimizer.step(new Map([['w', clipped]]), 0.5);
    clipped.dispose();
    expect(norm).toBeCloseTo(10, 5);
    Array.from(w.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(reference.dataSync()[i], 5));
    // Only AdamW's own state remains: the same growth as a direct step whose gradient was freed.
    expect(growth).toBe(tf.memory().numTensors - count);
  });

  it('stops on a non-finite norm, naming the step, without touching the weights', () => {
    const w = tf.variable(tf.tensor1d([1, 2]), false);
    for (const maxGradNorm of [1, 0]) {
      const grads = new Map([['w', tf.tensor1d([Number.NaN, 1])]]);
      expect(() => optimizerStep(new AdamW([['w', w]]), grads, { learningRate: 0.1, maxGradNorm, step: 7 })).toThrow(/gradient norm became NaN at step 7/);
    }
    expect(Array.from(w.dataSync())).toEqual([1, 2]);
  });
});

describe('validateTrainingConfig', () => {
  it('accepts the defaults and names a bad field', () => {
    expect(() => validateTrainingConfig(DEFAULT_TRAINING_CONFIG, 'x')).not.toThrow();
    expect(() => validateTrainingConfig({ batchSize: 0 }, 'DPO config')).toThrow('DPO config: batchSize must be a positive integer, got 0');
    expect(() => validateTrainingConfig({ lrSchedulerType: 'zigzag' as never }, 'distill')).toThrow(/distill: lrSchedulerType must be one of/);
  });
});
