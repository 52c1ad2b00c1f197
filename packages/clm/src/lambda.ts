import { AligndialError } from '@aligndial/core';

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
      hint: 'λ = 0 is the reference model, 1 the aligned model, values in between interpolate and values above 1 extrapolate.',
    });
  }
  if (Math.abs(lambda) > MAX_ABS_LAMBDA) {
    throw new AligndialError(`${what} must be between -${MAX_ABS_LAMBDA} and ${MAX_ABS_LAMBDA}, got ${lambda}`, {
      hint: 'λ = 0 is the reference model, 1 the aligned model; values up to about 3 extrapolate usefully.',
    });
  }
  if (lambda < 0) warn(`${what} = ${lambda} is negative: it steers the model away from its alignment (reverse of λ > 0)`);
  return lambda;
}
