import { initBackend, tf } from '@aligndial/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { kdLossFromTeacher, klDivergenceFromLogits, predictionMask } from './kd-loss.js';

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
