import { initBackend, tf } from '@aligndial/core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { mixBeforeHead, mixLogits, mixPaths, pathsFor, validateLambda } from './lambda-mix.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('validateLambda', () => {
  it('accepts any finite λ, warns below 0, rejects NaN and ±∞ naming the value', () => {
    const warn = vi.fn();
    expect(validateLambda(1.5, 'lambda', warn)).toBe(1.5);
    expect(warn).not.toHaveBeenCalled();
    expect(validateLambda(-0.5, 'lambda for turn 2', warn)).toBe(-0.5);
    expect(warn.mock.calls[0][0]).toMatch(/lambda for turn 2 = -0.5 is negative/);
    for (const bad of [Number.NaN, Infinity, -Infinity]) expect(() => validateLambda(bad, 'x', warn)).toThrow(/x must be a finite number/);
  });
});

describe('pathsFor', () => {
  it('runs one path at λ = 0 and λ = 1, both otherwise', () => {
    expect([0, 1, 0.5, 2, -1].map(pathsFor)).toEqual(['reference', 'aligned', 'both', 'both', 'both']);
  });
});

describe('mixLogits (CLM Eq. 7)', () => {
  it('is λ·aligned + (1 − λ)·reference, interpolating and extrapolating', () => {
    const aligned = tf.tensor2d([[2, -1, 0.5]]);
    const reference = tf.tensor2d([[0, 1, 0.5]]);
    for (const lambda of [0, 0.25, 1, 1.5, -0.5]) {
      const mixed = Array.from(mixLogits(aligned, reference, lambda).dataSync());
      const expected = [2, -1, 0.5].map((a, i) => lambda * a + (1 - lambda) * [0, 1, 0.5][i]);
      mixed.forEach((m, i) => expect(m).toBeCloseTo(expected[i], 6));
    }
    expect(() => mixLogits(aligned, tf.zeros([1, 2]), 0.5)).toThrow(/shape/);
    expect(() => mixLogits(aligned, reference, Number.NaN)).toThrow(/lambda/);
  });
});

describe('mixPaths', () => {
  it('calls only the path λ needs at 0 and 1, and mixes both otherwise', () => {
    const a = vi.fn(() => tf.tensor1d([4]));
    const r = vi.fn(() => tf.tensor1d([2]));
    expect(mixPaths(1, a, r).dataSync()[0]).toBe(4);
    expect(r).not.toHaveBeenCalled();
    expect(mixPaths(0, a, r).dataSync()[0]).toBe(2);
    expect(a).toHaveBeenCalledTimes(1);
    expect(mixPaths(0.25, a, r).dataSync()[0]).toBeCloseTo(2.5, 6);
  });
});

describe('mixBeforeHead', () => {
  it('equals mixing the two halves’ head outputs (linear, bias-free head)', () => {
    const [B, T, D, V] = [2, 3, 4, 5];
    const hidden = tf.randomNormal([2 * B, T, D], 0, 1, 'float32', 7) as tf.Tensor3D;
    const w = tf.randomNormal([D, V], 0, 1, 'float32', 8) as tf.Tensor2D;
    const norm = (x: tf.Tensor3D) => tf.div(x, tf.norm(x, 'euclidean', -1, true)) as tf.Tensor3D;
    const head = (x: tf.Tensor3D) => tf.reshape(tf.matMul(tf.reshape(x, [-1, D]) as tf.Tensor2D, w), [x.shape[0], x.shape[1], V]) as tf.Tensor3D;
    for (const lambda of [0.5, 1.7, -0.3]) {
      const got = mixBeforeHead(hidden, lambda, norm, head);
      const [a, r] = tf.split(head(norm(hidden)), 2, 0) as [tf.Tensor3D, tf.Tensor3D];
      const want = mixLogits(a, r, lambda);
      expect(got.shape).toEqual([B, T, V]);
      expect(tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]).toBeLessThan(1e-5);
    }
  });

  it('rejects a batch that is not doubled', () => {
    const id = (x: tf.Tensor3D) => x;
    expect(() => mixBeforeHead(tf.zeros([3, 1, 2]) as tf.Tensor3D, 0.5, id, id)).toThrow(/even row count.*\[3,1,2\]/);
  });
});
