import { type HeadInput, initBackend, tf } from '@aligndial/core';
import { deterministicValues } from '@aligndial/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { kdLossFromHeads, kdLossFromTeacher, klDivergenceFromLogits, predictionMask } from './kd-loss.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('KD loss (CLM Eq. 8)', () => {
  it('KL(uniform ‖ [3/4, 1/4]) = ½·log(4/3), and 0 for equal distributions', () => {
    const kl = klDivergenceFromLogits(tf.tensor1d([0, 0]), tf.tensor1d([Math.log(3), 0]));
    expect(kl.dataSync()[0]).toBeCloseTo(0.5 * Math.log(4 / 3), 6);
    expect(klDivergenceFromLogits(tf.tensor1d([1, 2, 3]), tf.tensor1d([11, 12, 13])).dataSync()[0]).toBeCloseTo(0, 6);
  });

  it('sums KL over masked positions against the teacher, averaged over the batch', () => {
    // Student uniform at every position; teacher [log 3, 0] = softmax [3/4, 1/4] everywhere.
    const student = tf.zeros([2, 3, 2]) as tf.Tensor3D;
    const teacher = tf.tensor3d(Array.from({ length: 6 }, () => [Math.log(3), 0]).flat(), [2, 3, 2]);
    const perToken = 0.5 * Math.log(4 / 3);
    const mask = [
      [1, 1, 0],
      [0, 1, 0],
    ];
    expect(kdLossFromTeacher(student, teacher, { mask }).dataSync()[0]).toBeCloseTo(((2 + 1) * perToken) / 2, 6);
    expect(kdLossFromTeacher(student, teacher, { mask, reduction: 'mean' }).dataSync()[0]).toBeCloseTo(perToken, 6);
    expect(kdLossFromTeacher(student, teacher).dataSync()[0]).toBeCloseTo(3 * perToken, 6);
  });

  it('gradient w.r.t. student logits is p·(log p − log q − KL)', () => {
    const s = [0.3, -0.2, 1.1];
    const t = [1, 0, -1];
    const teacher = tf.tensor3d([[t]]);
    const g = tf.grad((x: tf.Tensor) => kdLossFromTeacher(x as tf.Tensor3D, teacher))(tf.tensor3d([[s]]));
    const softmax = (v: number[]) => {
      const e = v.map(Math.exp);
      const z = e.reduce((a, b) => a + b, 0);
      return e.map((x) => x / z);
    };
    const p = softmax(s);
    const q = softmax(t);
    const kl = p.reduce((acc, pi, i) => acc + pi * Math.log(pi / q[i]), 0);
    const data = g.dataSync();
    p.forEach((pi, i) => expect(data[i]).toBeCloseTo(pi * (Math.log(pi / q[i]) - kl), 6));
  });

  it('predictionMask shifts the completion mask onto the positions that predict it', () => {
    expect(predictionMask([[0, 0, 1, 1, 0]])).toEqual([[0, 1, 1, 0, 0]]);
  });
});

describe('kdLossFromHeads: Eq. 8 with the heads run in chunks of counted positions', () => {
  const [B, T, F, V] = [3, 7, 5, 11];
  // The student: features X [B, T, F] and a head W [F, V] (both trained); the teacher: its own features and head, two of them mixed.
  const X = tf.variable(tf.tensor3d(deterministicValues(B * T * F, 1), [B, T, F]), true, 'kd.X');
  const W = tf.variable(tf.tensor2d(deterministicValues(F * V, 2, 2), [F, V]), true, 'kd.W');
  const teacherFeatures = tf.tensor3d(deterministicValues(B * T * 2 * F, 3), [B, T, 2 * F]);
  const teacherA = tf.tensor2d(deterministicValues(F * V, 4, 2), [F, V]);
  const teacherB = tf.tensor2d(deterministicValues(F * V, 5, 2), [F, V]);
  const linearHead = (w: tf.Tensor2D) => (x: tf.Tensor3D) => tf.reshape(tf.matMul(tf.reshape(x, [-1, F]), w), [x.shape[0], x.shape[1], V]) as tf.Tensor3D;
  const student = (): HeadInput => ({ features: X, head: linearHead(W), vocabSize: V, headVariables: [W] });
  const teacherHead = (x: tf.Tensor3D) =>
    tf.add(tf.mul(1.5, linearHead(teacherA)(tf.slice(x, [0, 0, 0], [-1, -1, F]))), tf.mul(-0.5, linearHead(teacherB)(tf.slice(x, [0, 0, F], [-1, -1, F])))) as tf.Tensor3D;
  const teacher: HeadInput = { features: teacherFeatures, head: teacherHead, vocabSize: V, headVariables: [] };
  const mask = [
    [0, 1, 1, 1, 0, 0, 0],
    [1, 1, 1, 1, 1, 1, 0],
    [0, 0, 0, 0, 0, 1, 1],
  ];
  const full = (reduction: 'sum' | 'mean') => kdLossFromTeacher(linearHead(W)(X), teacherHead(teacherFeatures), { mask, reduction });
  const gradsOf = (f: () => tf.Scalar) => {
    const { value, grads } = tf.variableGrads(f, [X, W]);
    const out = { loss: value.dataSync()[0], dX: grads['kd.X'].dataSync() as Float32Array, dW: grads['kd.W'].dataSync() as Float32Array };
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  };
  const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

  it('equals kdLossFromTeacher on the full logits (sum and mean, any chunk size) within 1e-6', () => {
    for (const reduction of ['sum', 'mean'] as const) {
      const expected = full(reduction).dataSync()[0];
      expect(expected).toBeGreaterThan(0.1);
      for (const chunkSize of [1, 3, 4, 13, 100, undefined]) {
        const got = kdLossFromHeads(student(), teacher, { mask, reduction, chunkSize }).dataSync()[0];
        expect(Math.abs(got - expected), `${reduction}, chunk ${chunkSize}`).toBeLessThan(1e-6 * Math.max(1, Math.abs(expected)));
      }
    }
    // Without a mask every position counts.
    const all = kdLossFromTeacher(linearHead(W)(X), teacherHead(teacherFeatures)).dataSync()[0];
    expect(kdLossFromHeads(student(), teacher, { chunkSize: 5 }).dataSync()[0]).toBeCloseTo(all, 5);
  });

  it('gives the same gradients for the student features and its head, kept or recomputed in the backward pass', () => {
    const expected = gradsOf(() => full('sum'));
    for (const recompute of [false, true]) {
      const got = gradsOf(() => kdLossFromHeads(student(), teacher, { mask, chunkSize: 4, recompute }));
      expect(Math.abs(got.loss - expected.loss)).toBeLessThan(1e-6);
      expect(maxDiff(got.dX, expected.dX), `dX, recompute ${recompute}`).toBeLessThan(1e-6);
      expect(maxDiff(got.dW, expected.dW), `dW, recompute ${recompute}`).toBeLessThan(1e-6);
    }
    // Positions the mask does not count get no gradient.
    const dX = gradsOf(() => kdLossFromHeads(student(), teacher, { mask, chunkSize: 4, recompute: true })).dX;
    for (let t = 0; t < T; t++) if (!mask[0][t]) for (let f = 0; f < F; f++) expect(dX[t * F + f]).toBe(0);
  });

  it('returns 0 when no position counts, and names mismatched inputs', () => {
    expect(kdLossFromHeads(student(), teacher, { mask: mask.map((row) => row.map(() => 0)) }).dataSync()[0]).toBe(0);
    const short: HeadInput = { ...teacher, features: tf.slice(teacherFeatures, [0, 0, 0], [B, T - 1, -1]) };
    expect(() => kdLossFromHeads(student(), short)).toThrow(/student features have shape \[3,7,5\] but teacher features \[3,6,10\]/);
    expect(() => kdLossFromHeads(student(), { ...teacher, vocabSize: V + 1 })).toThrow(/vocabulary has 11 tokens, the teacher's 12/);
    expect(() => kdLossFromHeads(student(), teacher, { mask: [[1]] })).toThrow(/the mask must be \[3, 7\]/);
    expect(() => kdLossFromHeads(student(), teacher, { chunkSize: 0 })).toThrow(/chunkSize must be a whole number/);
  });
});
