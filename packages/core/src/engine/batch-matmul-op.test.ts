import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../runtime/backend.js';
import { tf } from '../runtime/tf.js';
import { batchMatMul } from './batch-matmul-op.js';
import { configureEngineThreads, shutdownEngineThreads } from './engine.js';

beforeAll(async () => {
  await initBackend('wasm');
});
afterAll(() => shutdownEngineThreads());

function maxRelDiff(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync(), y = b.dataSync();
  let scale = 0, err = 0;
  for (let i = 0; i < y.length; i++) scale = Math.max(scale, Math.abs(y[i]));
  for (let i = 0; i < y.length; i++) err = Math.max(err, Math.abs(x[i] - y[i]));
  return err / scale;
}

// [batch dims, M, K, N]: attention-like ranks, rows above and below the GEMM threshold, odd sizes.
const CASES: [number[], number, number, number][] = [
  [[2, 3], 37, 16, 29],
  [[1], 8, 64, 8],
  [[3], 5, 7, 300],
  [[2, 1], 260, 64, 260],
];

describe('batchMatMul (attention through the engine)', () => {
  for (const [batch, M, K, N] of CASES) {
    for (const transposeB of [false, true]) {
      it(`equals tf.matMul and its gradients: batch [${batch}] M=${M} K=${K} N=${N} transposeB=${transposeB}`, () => {
        const a = tf.randomNormal([...batch, M, K], 0, 1, 'float32', 1);
        const b = tf.randomNormal(transposeB ? [...batch, N, K] : [...batch, K, N], 0, 1, 'float32', 2);
        const r = tf.randomNormal([...batch, M, N], 0, 1, 'float32', 3);
        const ours = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(batchMatMul(x, y, transposeB), r)) as tf.Scalar;
        const theirs = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, false, transposeB), r)) as tf.Scalar;
        expect(maxRelDiff(batchMatMul(a, b, transposeB), tf.matMul(a, b, false, transposeB))).toBeLessThan(1e-5);
        const [ga, gb] = tf.grads(ours)([a, b]);
        const [ta, tb] = tf.grads(theirs)([a, b]);
        expect(maxRelDiff(ga, ta)).toBeLessThan(1e-5);
        expect(maxRelDiff(gb, tb)).toBeLessThan(1e-5);
        tf.dispose([a, b, r, ga, gb, ta, tb]);
      });
    }
  }

  it('gives equal results with 1 and 3 threads', () => {
    const a = tf.randomNormal([2, 3, 40, 32], 0, 1, 'float32', 4);
    const b = tf.randomNormal([2, 3, 90, 32], 0, 1, 'float32', 5);
    configureEngineThreads(1);
    const one = batchMatMul(a, b, true).dataSync();
    configureEngineThreads(3);
    const three = batchMatMul(a, b, true).dataSync();
    configureEngineThreads(undefined);
    expect(Buffer.from(three.buffer).equals(Buffer.from(one.buffer))).toBe(true);
    tf.dispose([a, b]);
  });
});
