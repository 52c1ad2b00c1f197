import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AligndialError } from '../errors.js';
import { configForShape, createRandomModel } from '../model/random-model.js';
import type { Transformer } from '../model/transformer.js';
import { initBackend } from '../runtime/backend.js';
import { tf } from '../runtime/tf.js';
import { buildSequenceBatch, sequenceLogProbs, tokenLogProbs } from './logprobs.js';

describe('log-probabilities', () => {
  let model: Transformer;
  beforeAll(async () => {
    await initBackend('wasm');
    model = createRandomModel(configForShape('tiny', { tieWordEmbeddings: false }), { seed: 4, initStd: 0.2 });
  });
  afterAll(() => model.dispose());

  it('tokenLogProbs equals log-softmax picked at the targets', () => {
    const logits = tf.randomNormal([2, 3, 7], 0, 2, 'float32', 1) as tf.Tensor3D;
    const targets = tf.tensor2d([[0, 6, 3], [2, 2, 5]], [2, 3], 'int32');
    const got = tokenLogProbs(logits, targets).arraySync() as number[][];
    const l = logits.arraySync() as number[][][];
    const t = targets.arraySync() as number[][];
    l.forEach((row, b) =>
      row.forEach((v, i) => {
        const m = Math.max(...v);
        const logZ = m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
        expect(got[b][i]).toBeCloseTo(v[t[b][i]] - logZ, 5);
      }),
    );
  });

  it('sums completion tokens only; right padding and batching do not change a row', () => {
    const pairs = [
      { promptIds: [1, 5, 9], completionIds: [20, 21, 22, 23] },
      { promptIds: [1, 7], completionIds: [30] },
    ];
    const batch = buildSequenceBatch(pairs, 0);
    expect(batch.completionMask[1]).toEqual([0, 0, 1, 0, 0, 0, 0]);
    const both = sequenceLogProbs(model, batch).arraySync() as number[];
    pairs.forEach((pair, b) => {
      const alone = sequenceLogProbs(model, buildSequenceBatch([pair])).arraySync() as number[];
      expect(both[b]).toBeCloseTo(alone[0], 4);
      // By hand: log p(completion token | prefix) from the full logits.
      const ids = [...pair.promptIds, ...pair.completionIds];
      const logits = model.forward([ids]).arraySync() as number[][][];
      let total = 0;
      for (let t = pair.promptIds.length; t < ids.length; t++) {
        const v = logits[0][t - 1];
        const m = Math.max(...v);
        total += v[ids[t]] - (m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0)));
      }
      expect(both[b]).toBeCloseTo(total, 4);
    });
    const avg = sequenceLogProbs(model, batch, { average: true }).arraySync() as number[];
    expect(avg[0]).toBeCloseTo(both[0] / 4, 5);
    expect(avg[1]).toBeCloseTo(both[1], 5);
  });

  it('rejects batches it cannot score', () => {
    expect(() => sequenceLogProbs(model, { inputIds: [[1]], attentionMask: [[1]], completionMask: [[0]] })).toThrow(AligndialError);
    expect(() => sequenceLogProbs(model, { inputIds: [[1, 2]], attentionMask: [[1, 1]], completionMask: [[1, 1]] })).toThrow(/first token is marked as completion/);
  });

  it('the gradient reaches exactly the positions whose next token is a completion token', () => {
    const batch = {
      inputIds: [
        [1, 5, 9, 20, 21, 0, 0],
        [1, 7, 8, 9, 30, 31, 32],
      ],
      attentionMask: [
        [1, 1, 1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1, 1, 1],
      ],
      completionMask: [
        [0, 0, 0, 1, 1, 0, 0],
        [0, 0, 0, 0, 1, 0, 1], // a hole at position 5: its token is not scored
      ],
    };
    const [B, T, D] = [2, 7, model.config.hiddenSize];
    const last = model.layers.length - 1;
    const delta = tf.zeros([B, T, D]);
    // d(Σ log p)/d(final hidden state) at position t is non-zero iff the logits at t are scored,
    // i.e. iff completionMask[t + 1] = 1 (the final hidden state of t feeds only the logits of t).
    const grad = tf.grad((d: tf.Tensor) =>
      tf.sum(sequenceLogProbs(model, batch, { hooks: { hiddenState: (layer, h) => (layer === last ? (tf.add(h, d) as tf.Tensor3D) : undefined) } })),
    )(delta);
    const norms = tf.tidy(() => tf.sum(tf.abs(grad), -1).arraySync() as number[][]);
    norms.forEach((row, b) =>
      row.forEach((n, t) => {
        const scored = t + 1 < T && batch.completionMask[b][t + 1] === 1;
        if (scored) expect(n, `row ${b} position ${t}`).toBeGreaterThan(1e-4);
        else expect(n, `row ${b} position ${t}`).toBe(0);
      }),
    );
    // Through the model's parameters: the untied LM head gets gradient; padding tokens' embeddings none.
    const params = [model.weights.embed, model.weights.lmHead!] as tf.Variable[];
    params.forEach((v) => (v.trainable = true)); // model weights are created frozen
    const { value, grads } = tf.variableGrads(() => tf.sum(sequenceLogProbs(model, batch)) as tf.Scalar, params);
    params.forEach((v) => (v.trainable = false));
    value.dispose();
    const embedGrad = grads[model.weights.embed.name].arraySync() as number[][];
    const rowNorm = (id: number) => embedGrad[id].reduce((s, x) => s + Math.abs(x), 0);
    expect(rowNorm(32)).toBe(0); // only at the last position, whose logits are never scored
    expect(rowNorm(0)).toBe(0); // padding
    expect(rowNorm(20)).toBeGreaterThan(0);
    tf.dispose([delta, grad, ...Object.values(grads)]);
  });
});
