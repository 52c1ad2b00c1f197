// The λ-mix of the CLM paper (Eq. 7, as in DeRa): λ·h_aligned + (1 − λ)·h_ref. Its one home: validating λ,
// which paths a λ needs, mixing two logit tensors, and mixing a doubled batch before a linear head.
// DeRa, distillation and the dual-path CLM forward all import it from here.
import { AligndialError, tf } from '@aligndial/core';

/** Called with a warning message (e.g. λ < 0); defaults to `console.warn`. */
export type WarningSink = (message: string) => void;

const defaultWarn: WarningSink = (message) => console.warn(`aligndial: warning: ${message}`);

/**
 * Largest |λ| accepted. λ multiplies the difference between the aligned and the reference path, so
 * |λ| = 1e308 overflows to NaN logits; the paper's useful range is about [0, 3], and beyond ~100 the
 * extrapolation is noise.
 */
export const MAX_ABS_LAMBDA = 100;

/**
 * Checks an interpolation coefficient λ (paper Eq. 7). Any real with |λ| ≤ {@link MAX_ABS_LAMBDA} is
 * allowed: 0 = reference (unaligned), 1 = aligned, (0, 1) interpolates, > 1 extrapolates. λ < 0 moves
 * *away* from the alignment and is allowed with a warning; NaN, ±∞ and |λ| > 100 are errors.
 * @param what - Names the value in messages (e.g. "lambda for turn 2").
 * @returns λ.
 */
export function validateLambda(lambda: number, what = 'lambda', warn: WarningSink = defaultWarn): number {
  if (typeof lambda !== 'number' || !Number.isFinite(lambda)) {
    throw new AligndialError(`${what} must be a finite number, got ${String(lambda)}`, {
      field: what,
      hint: 'λ = 0 is the reference model, 1 the aligned model, values in between interpolate and values above 1 extrapolate.',
    });
  }
  if (Math.abs(lambda) > MAX_ABS_LAMBDA) {
    throw new AligndialError(`${what} must be between -${MAX_ABS_LAMBDA} and ${MAX_ABS_LAMBDA}, got ${lambda}`, {
      field: what,
      hint: 'λ = 0 is the reference model, 1 the aligned model; values up to about 3 extrapolate usefully.',
    });
  }
  if (lambda < 0) warn(`${what} = ${lambda} is negative: it steers the model away from its alignment (reverse of λ > 0)`);
  return lambda;
}

/** Which paths a λ needs: λ = 1 only the aligned one, λ = 0 only the reference one, any other λ both. */
export type LambdaPaths = 'both' | 'aligned' | 'reference';

/** The paths λ needs (see {@link LambdaPaths}). */
export function pathsFor(lambda: number): LambdaPaths {
  return lambda === 1 ? 'aligned' : lambda === 0 ? 'reference' : 'both';
}

/**
 * The λ-mix on logits (or any tensors) of one shape: λ·aligned + (1 − λ)·reference.
 * λ = 1 gives the aligned model, λ = 0 the reference; 0 < λ < 1 interpolates, λ > 1 extrapolates.
 */
export function mixLogits<T extends tf.Tensor>(aligned: T, reference: T, lambda: number): T {
  if (!Number.isFinite(lambda)) throw new AligndialError(`lambda must be a finite number, got ${String(lambda)}`, { field: 'lambda' });
  if (aligned.shape.join(',') !== reference.shape.join(',')) {
    throw new AligndialError(`mixLogits: aligned logits have shape [${aligned.shape}] but reference logits [${reference.shape}]`);
  }
  if (lambda === 1) return tf.clone(aligned);
  if (lambda === 0) return tf.clone(reference);
  // ref + λ·(aligned − ref): one fewer multiply, same value.
  return tf.tidy(() => tf.add(reference, tf.mul(tf.sub(aligned, reference), lambda))) as T;
}

/**
 * Runs only the paths λ needs and mixes them: `aligned()` alone at λ = 1, `reference()` alone at λ = 0,
 * else {@link mixLogits} of both. The callers own the two forward passes (two models, two caches).
 */
export function mixPaths<T extends tf.Tensor>(lambda: number, aligned: () => T, reference: () => T): T {
  const paths = pathsFor(lambda);
  if (paths === 'aligned') return aligned();
  if (paths === 'reference') return reference();
  return tf.tidy(() => mixLogits(aligned(), reference(), lambda));
}

/**
 * The λ-mix of a doubled batch before a linear head: `hidden` [2B, T, D] holds the aligned rows, then the
 * reference rows. Because the head is linear and bias-free, λ·head(n(a)) + (1 − λ)·head(n(r)) =
 * head(λ·n(a) + (1 − λ)·n(r)): this normalises both halves, mixes them, and runs `head` (the largest matmul)
 * once on B rows instead of 2B. Returns `head`'s output for the B mixed rows.
 * @param norm - The final norm, applied per row (e.g. `Transformer.finalNorm`).
 * @param head - The linear, bias-free LM head [B, T, D] → [B, T, V] (e.g. `Transformer.head`).
 */
export function mixBeforeHead(
  hidden: tf.Tensor3D,
  lambda: number,
  norm: (x: tf.Tensor3D) => tf.Tensor3D,
  head: (x: tf.Tensor3D) => tf.Tensor3D,
): tf.Tensor3D {
  return tf.tidy(() => head(mixHalves(norm(hidden), lambda, 'mixBeforeHead')));
}

/**
 * The λ-mix of a doubled batch [2B, T, D] (aligned rows, then reference rows) → [B, T, D]: what
 * {@link mixBeforeHead} feeds its head (there, the normed hidden states).
 */
export function mixHalves(doubled: tf.Tensor3D, lambda: number, what = 'mixHalves'): tf.Tensor3D {
  if (doubled.shape[0] % 2 !== 0) {
    throw new AligndialError(`${what}: a doubled batch (aligned rows, then reference rows) has an even row count, got [${doubled.shape}]`);
  }
  return tf.tidy(() => {
    const [aligned, reference] = tf.split(doubled, 2, 0) as [tf.Tensor3D, tf.Tensor3D];
    return mixLogits(aligned, reference, lambda);
  });
}
