import { type ForwardHooks, type GenerateOptions, type GenerateResult, type StepDecoder, generate, tf } from '@aligndial/core';
import { ClmCache, type ClmModel } from './clm-model.js';
import { validateLambda, type WarningSink } from './lambda-mix.js';

/** Options of {@link createClmDecoder}. */
export interface ClmDecoderOptions {
  /** Interpolation coefficient λ (paper Eq. 7): 0 = base, 1 = aligned, > 1 extrapolates. Default 1. */
  lambda?: number;
  /** Activation hooks with the base model's layer indices (see {@link ClmForwardOptions.hooks}). */
  hooks?: ForwardHooks;
  /** Receives the λ < 0 warning (default console.warn). */
  warn?: WarningSink;
}

/** A {@link StepDecoder} that also says which λ it decodes at. */
export interface ClmStepDecoder extends StepDecoder {
  readonly lambda: number;
}

/**
 * A StepDecoder for `generate` that decodes a CLM at λ: each step runs the aligned and the reference rows
 * as one batch through the shared base layers, each path with its own KV cache, and returns
 * λ·aligned + (1 − λ)·reference logits. λ = 0 and λ = 1 run only the path they need.
 * Works with batched prompts, every sampling option, stop strings and streaming of `generate`.
 */
export function createClmDecoder(clm: ClmModel, options: ClmDecoderOptions = {}): ClmStepDecoder {
  const lambda = validateLambda(options.lambda ?? 1, 'lambda', options.warn);
  const cache = new ClmCache();
  const quiet: WarningSink = () => {};
  return {
    vocabSize: clm.vocabSize,
    lambda,
    nonFiniteCause: lambda === 0 || lambda === 1 ? undefined : `λ = ${lambda} (it extrapolates the aligned path; a large |λ| overflows)`,
    next(ids, attentionMask) {
      return tf.tidy(
        () => tf.squeeze(clm.forward(ids, { lambda, cache, attentionMask, hooks: options.hooks, lastTokenOnly: true, warn: quiet }), [1]) as tf.Tensor2D,
      );
    },
    dispose() {
      cache.dispose();
    },
  };
}

/** Options of {@link generateWithLambda}: every option of core `generate`, plus λ and hooks. */
export interface ClmGenerateOptions extends GenerateOptions, ClmDecoderOptions {}

/** Generates continuations of a batch of prompts (token ids) with a CLM at λ; frees the decoder's caches after. */
export async function generateWithLambda(clm: ClmModel, prompts: readonly (readonly number[])[], options: ClmGenerateOptions = {}): Promise<GenerateResult> {
  const decoder = createClmDecoder(clm, options);
  try {
    return await generate(decoder, prompts, options);
  } finally {
    decoder.dispose();
  }
}
