import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../runtime/backend.js';
import { tf } from '../runtime/tf.js';
import { composeHooks } from './compose-hooks.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('composeHooks', () => {
  it('runs hooks in order, each on the previous output, and returns undefined when none edits', () => {
    const double = { mlpOutput: (_: number, x: tf.Tensor3D) => tf.mul(x, 2) as tf.Tensor3D };
    const plusOneAtLayer1 = { mlpOutput: (layer: number, x: tf.Tensor3D) => (layer === 1 ? (tf.add(x, 1) as tf.Tensor3D) : undefined) };
    const hooks = composeHooks(double, undefined, plusOneAtLayer1);
    const x = tf.tensor3d([[[1, 2]]]);
    expect(Array.from((hooks.mlpOutput!(1, x) as tf.Tensor).dataSync())).toEqual([3, 5]);
    expect(Array.from((composeHooks(plusOneAtLayer1, double).mlpOutput!(1, x) as tf.Tensor).dataSync())).toEqual([4, 6]);
    expect(composeHooks(plusOneAtLayer1).mlpOutput!(0, x)).toBeUndefined();
    expect(composeHooks(double).hiddenState!(0, x)).toBeUndefined();
  });
});
