import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend.js';
import { tf } from '../../runtime/tf.js';
import { decodeAttention } from './decode-attention.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** softmax(q·Kᵀ + bias)·V over positions 0..L (the cache's L rows, then the new one), heads grouped as repeat_kv. */
function reference(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, pastK: tf.Tensor4D, pastV: tf.Tensor4D, L: number, H: number, bias?: tf.Tensor2D): Float32Array {
  return tf.tidy(() => {
    const [B, K, , hd] = pastK.shape;
    const G = H / K;
    const keys = tf.concat([tf.slice(pastK, [0, 0, 0, 0], [B, K, L, hd]), tf.reshape(k, [B, K, 1, hd])], 2); // [B, K, L+1, hd]
    const vals = tf.concat([tf.slice(pastV, [0, 0, 0, 0], [B, K, L, hd]), tf.reshape(v, [B, K, 1, hd])], 2);
    const qg = tf.reshape(q, [B, K, G, hd]);
    let scores = tf.matMul(qg, keys, false, true); // [B, K, G, L+1]
    if (bias) scores = tf.add(scores, tf.reshape(bias, [B, 1, 1, L + 1]));
    return tf.reshape(tf.matMul(tf.softmax(scores), vals), [B, H * hd]).dataSync() as Float32Array;
  });
}

describe('decodeAttention', () => {
  // Small products run in the float64 JS loop, large ones on the engine's kernels (engine/attend.ts): both must agree.
  for (const [B, H, K, hd, L, C] of [
    [1, 4, 2, 8, 5, 8], // JS loop
    [2, 6, 2, 64, 40, 64], // engine: G·Tk·hd = 3 · 41 · 64
    [1, 4, 4, 64, 70, 70], // engine, G = 1, the cache full: it grows
  ]) {
    it(`B=${B} H=${H} K=${K} hd=${hd}, ${L} cached positions (capacity ${C}), with and without a padding bias`, () => {
      tf.tidy(() => {
        const seed = B * 1000 + L;
        const q = tf.randomNormal([B, H * hd], 0, 0.3, 'float32', seed) as tf.Tensor2D;
        const k = tf.randomNormal([B, K * hd], 0, 1, 'float32', seed + 1) as tf.Tensor2D;
        const v = tf.randomNormal([B, K * hd], 0, 1, 'float32', seed + 2) as tf.Tensor2D;
        const pastK = tf.randomNormal([B, K, C, hd], 0, 1, 'float32', seed + 3) as tf.Tensor4D;
        const pastV = tf.randomNormal([B, K, C, hd], 0, 1, 'float32', seed + 4) as tf.Tensor4D;
        const mask = Array.from({ length: B }, (_, b) => Array.from({ length: L + 1 }, (_, j) => (b === 1 && j < 3 ? -1e9 : 0)));
        const bias = tf.tensor2d(mask);
        for (const withBias of [false, true]) {
          const want = reference(q, k, v, pastK, pastV, L, H, withBias ? bias : undefined);
          const step = decodeAttention(q, k, v, tf.clone(pastK), tf.clone(pastV), withBias ? bias : undefined, H, L);
          const got = step.output.dataSync();
          let err = 0;
          for (let i = 0; i < got.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
          expect(err).toBeLessThan(2e-5);
          expect(step.keys.shape[2]).toBeGreaterThanOrEqual(L + 1);
        }
      });
    });
  }
});
