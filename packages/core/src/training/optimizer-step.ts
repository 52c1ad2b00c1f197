import type { AdamW } from './adamw.js';
import { clipGradsByGlobalNorm, globalGradNorm } from './clip-grad-norm.js';
import { disposeGrads, type NamedGrads } from './named-grads.js';
import { assertFiniteGradNorm } from './training-guard.js';

/** Options of {@link optimizerStep}. */
export interface OptimizerStepOptions {
  /** The learning rate of this step (e.g. from `learningRateAt`). */
  learningRate: number;
  /** Clip the global gradient norm to this; 0 or Infinity only measures it. */
  maxGradNorm: number;
  /** 1-based optimizer step, named in the error when the norm is not finite. */
  step: number;
}

/**
 * The one optimizer step of every trainer: clip the gradients to `maxGradNorm` (PyTorch's
 * `clip_grad_norm_`), stop with an AligndialError if their norm is NaN/∞ (weights untouched), apply AdamW,
 * and dispose every gradient tensor (it takes ownership of `grads`, also when it throws).
 * @returns The global gradient norm before clipping.
 */
export function optimizerStep(optimizer: AdamW, grads: NamedGrads, options: OptimizerStepOptions): number {
  const { learningRate, maxGradNorm, step } = options;
  try {
    if (maxGradNorm > 0 && Number.isFinite(maxGradNorm)) {
      const clipped = clipGradsByGlobalNorm(grads, maxGradNorm);
      try {
        assertFiniteGradNorm(clipped.globalNorm, step);
        optimizer.step(clipped.grads, learningRate);
      } finally {
        disposeGrads(clipped.grads);
      }
      return clipped.globalNorm;
    }
    const norm = globalGradNorm(grads);
    assertFiniteGradNorm(norm, step);
    optimizer.step(grads, learningRate);
    return norm;
  } finally {
    disposeGrads(grads);
  }
}
