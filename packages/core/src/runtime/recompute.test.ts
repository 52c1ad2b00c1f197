import { beforeAll, describe, expect, it } from 'vitest';
import { buildSequenceBatch, sequenceLogProbs } from '../generation/logprobs.js';
import { configForShape, createRandomModel } from '../model/random-model.js';
import type { Transformer } from '../model/transformer.js';
import { computeGradients } from '../training/compute-gradients.js';
import { disposeGrads } from '../training/named-grads.js';
import { initBackend } from './backend.js';
import { isRecordingGradients, recomputeInBackward } from './recompute.js';
import { startTensorMemoryMeter } from './tensor-memory-meter.js';
import { tf } from './tf.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const batch = buildSequenceBatch(
  [
    { promptIds: [1, 5, 9, 14], completionIds: [20, 33, 7, 2] },
    { promptIds: [1, 40, 41], completionIds: [100, 101] },
    { promptIds: [1, 3], completionIds: [250, 251, 252, 253, 254] },
  ],
  0,
);

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Loss and gradients of a weighted sum of sequence log-probs, with checkpointing on or off. */
function lossAndGrads(model: Transformer, names: string[], checkpoint: boolean, headChunkSize?: number) {
  const params = model.parameters();
  const variables = new Map(names.map((n) => [n, params.get(n)!]));
  model.gradientCheckpointing = checkpoint;
  const training = names.includes('embed');
  try {
    return computeGradients(() => tf.sum(tf.mul(sequenceLogProbs(model, batch, { training, headChunkSize }), tf.tensor1d([1, -0.5, 0.25]))) as tf.Scalar, variables);
  } finally {
    model.gradientCheckpointing = false;
  }
}

describe('activation checkpointing', () => {
  // An untied head too, and attention biases: every parameter kind.
  const configs = {
    tied: configForShape('tiny', { numLayers: 3 }),
    untied: configForShape('tiny', { numLayers: 3, tieWordEmbeddings: false, qkvBias: true }),
  };
  for (const [kind, config] of Object.entries(configs)) {
    it(`gives the same loss and gradients as plain backprop (${kind} head; all, top, bottom and middle layers; chunked head)`, () => {
      const model = createRandomModel(config, { seed: 3, initStd: 0.1, biasStd: 0.05 });
      const all = [...model.parameters().keys()];
      const selections = [all, all.filter((n) => n.startsWith('layers.2.')), all.filter((n) => n.startsWith('layers.0.')), ['layers.1.wqkv', 'norm']];
      for (const names of selections) {
        const plain = lossAndGrads(model, names, false);
        const checkpointed = lossAndGrads(model, names, true, 2);
        expect(Math.abs(checkpointed.loss - plain.loss)).toBeLessThan(1e-5);
        expect([...checkpointed.grads.keys()].sort()).toEqual([...plain.grads.keys()].sort());
        for (const [name, g] of plain.grads) {
          const scale = Math.max(1, tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]));
          expect(maxAbsDiff(g, checkpointed.grads.get(name)!) / scale, name).toBeLessThan(1e-5);
        }
        disposeGrads(plain.grads);
        disposeGrads(checkpointed.grads);
      }
      model.dispose();
    });
  }

  it('lowers the peak memory of a step on a deep model, and leaks no tensor', async () => {
    const model = createRandomModel(configForShape('tiny', { numLayers: 8 }), { seed: 1 });
    const peak = async (checkpoint: boolean) => {
      const before = tf.memory().numTensors;
      const profile = await tf.profile(() => disposeGrads(lossAndGrads(model, ['layers.0.wqkv'], checkpoint).grads));
      expect(tf.memory().numTensors).toBe(before);
      return profile.peakBytes - profile.newBytes;
    };
    disposeGrads(lossAndGrads(model, ['layers.0.wqkv'], false).grads); // builds the cached rotary tables
    const plain = await peak(false);
    const checkpointed = await peak(true);
    expect(checkpointed).toBeLessThan(plain);
    model.dispose();
  });

  it('is the plain function outside a gradient tape, and differentiates only what is trainable inside one', () => {
    const w = tf.variable(tf.tensor1d([2, 3]), false);
    const frozen = tf.variable(tf.tensor1d([5, 7]), false);
    const x = tf.tensor1d([1, 4]);
    const f = (t: tf.Tensor) => tf.mul(tf.mul(t, w), frozen);
    expect(isRecordingGradients()).toBe(false);
    expect(Array.from(recomputeInBackward(f, [x], [w, frozen]).dataSync())).toEqual([10, 84]);
    const { grads } = computeGradients(() => tf.sum(tf.square(recomputeInBackward(f, [x], [w, frozen]))) as tf.Scalar, new Map([['w', w]]));
    // d/dw Σ (x·w·c)² = 2·x²·w·c²
    expect(Array.from(grads.get('w')!.dataSync())).toEqual([2 * 1 * 2 * 25, 2 * 16 * 3 * 49]);
    expect(frozen.trainable).toBe(false);
    disposeGrads(grads);
    tf.dispose([w, frozen, x]);
  });
});

describe('chunked LM head', () => {
  it('gives the same log-probs in chunks of any size as in one piece', () => {
    const model = createRandomModel(configForShape('tiny'), { seed: 2, initStd: 0.1 });
    const whole = sequenceLogProbs(model, batch, { headChunkSize: 1000 });
    for (const size of [1, 2, 5]) {
      const chunked = sequenceLogProbs(model, batch, { headChunkSize: size });
      expect(maxAbsDiff(whole, chunked)).toBeLessThan(1e-5);
      chunked.dispose();
    }
    whole.dispose();
    model.dispose();
  });
});

describe('inference memory', () => {
  it('does not grow with depth: each layer frees its intermediates when it is done (the reference pass)', () => {
    const peak = (numLayers: number) => {
      const model = createRandomModel(configForShape('tiny', { numLayers, hiddenSize: 64, intermediateSize: 128, headDim: 16 }), { seed: 1 });
      const long = buildSequenceBatch([{ promptIds: Array.from({ length: 60 }, (_, i) => 3 + i), completionIds: Array.from({ length: 60 }, (_, i) => 100 + i) }], 0);
      tf.dispose(sequenceLogProbs(model, long)); // rotary tables, cached head
      const meter = startTensorMemoryMeter();
      tf.dispose(sequenceLogProbs(model, long));
      meter.stop();
      model.dispose();
      return meter.peakBytes;
    };
    const shallow = peak(2);
    const deep = peak(12);
    expect(deep).toBeLessThan(1.3 * shallow);
  });
});
