import { tf } from './tf.js';

/**
 * The stock BatchMatMul gradient multiplies with `transposeA/transposeB` set, which runs about
 * 10x slower on the wasm backend than an explicit `transpose` followed by a plain matMul.
 * This gradient computes the same values with explicit transposes; tfjs only evaluates the
 * closures it needs, so frozen weights never get a gradient computed.
 */
/** `t` with its last two axes swapped (an explicit transpose). */
export function swapLastTwo(t: tf.Tensor): tf.Tensor {
  const perm = t.shape.map((_, i) => i);
  const n = perm.length;
  [perm[n - 2], perm[n - 1]] = [perm[n - 1], perm[n - 2]];
  return tf.transpose(t, perm);
}

/** Sums a broadcast gradient back down to the shape of the input it was broadcast from. */
function reduceToShape(grad: tf.Tensor, shape: number[]): tf.Tensor {
  if (grad.rank === shape.length && grad.shape.every((d, i) => d === shape[i])) return grad;
  const extra = grad.rank - shape.length;
  let out = grad;
  if (extra > 0) out = tf.sum(out, Array.from({ length: extra }, (_, i) => i));
  const axes: number[] = [];
  shape.forEach((d, i) => {
    if (d === 1 && out.shape[i] !== 1) axes.push(i);
  });
  if (axes.length > 0) out = tf.sum(out, axes, true);
  return tf.reshape(out, shape);
}

const batchMatMulGradient: tf.GradConfig = {
  kernelName: tf.BatchMatMul,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved;
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    const g = dy as tf.Tensor;
    const mm = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y);
    const T = swapLastTwo;
    // Same cases as tfjs' own gradient, with the flags replaced by explicit transposes.
    if (!transposeA && !transposeB) {
      return { a: () => reduceToShape(mm(g, T(b)), a.shape), b: () => reduceToShape(mm(T(a), g), b.shape) };
    }
    if (!transposeA && transposeB) {
      return { a: () => reduceToShape(mm(g, b), a.shape), b: () => reduceToShape(mm(T(g), a), b.shape) };
    }
    if (transposeA && !transposeB) {
      return { a: () => reduceToShape(mm(b, T(g)), a.shape), b: () => reduceToShape(mm(a, g), b.shape) };
    }
    return { a: () => reduceToShape(mm(T(b), T(g)), a.shape), b: () => reduceToShape(mm(T(g), T(a)), b.shape) };
  },
};

let registered = false;

/** Replaces tfjs' BatchMatMul gradient with the transpose-free one (idempotent). */
export function registerMatMulGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient(batchMatMulGradient);
}
