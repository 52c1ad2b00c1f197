import { AligndialError, type ForwardHooks, type HeadInput, KVCache, type StepDecoder, type Transformer, tf } from '@aligndial/core';
import { mixPaths, pathsFor, validateLambda, type WarningSink } from './lambda-mix.js';

/** Options of {@link createDeraDecoder}. */
export interface DeraDecoderOptions {
  /** λ of Eq. 7: 0 = reference model, 1 = aligned model. Default 1. */
  lambda?: number;
  /** Hooks applied to both models' forward passes. */
  hooks?: ForwardHooks;
  warn?: WarningSink;
}

function assertSameVocabulary(aligned: Transformer, reference: Transformer): void {
  if (aligned.config.vocabSize !== reference.config.vocabSize) {
    throw new AligndialError(
      `DeRa needs two models with one vocabulary: the aligned model has ${aligned.config.vocabSize} tokens, the reference ${reference.config.vocabSize}`,
    );
  }
}

/**
 * Decoding-time realignment (DeRa, Liu et al. 2024; the CLM paper's baseline): two whole models, an aligned
 * and a reference one, each with its own KV cache; every step mixes their logits as λ·aligned + (1 − λ)·reference.
 * Costs two full forward passes per token (λ = 0 and λ = 1 run only one model).
 */
export function createDeraDecoder(aligned: Transformer, reference: Transformer, options: DeraDecoderOptions = {}): StepDecoder & { readonly lambda: number } {
  assertSameVocabulary(aligned, reference);
  const lambda = validateLambda(options.lambda ?? 1, 'lambda', options.warn);
  const alignedCache = new KVCache();
  const referenceCache = new KVCache();
  const step = (model: Transformer, cache: KVCache, ids: number[][], attentionMask: number[][]) =>
    tf.squeeze(model.forward(ids, { cache, attentionMask, hooks: options.hooks, lastTokenOnly: true }), [1]) as tf.Tensor2D;
  return {
    vocabSize: aligned.config.vocabSize,
    lambda,
    next(ids, attentionMask) {
      return tf.tidy(() =>
        mixPaths(lambda, () => step(aligned, alignedCache, ids, attentionMask), () => step(reference, referenceCache, ids, attentionMask)),
      );
    },
    dispose() {
      alignedCache.dispose();
      referenceCache.dispose();
    },
  };
}

/** Full-sequence DeRa logits [B, T, V] at λ (e.g. a distillation teacher); no cache. */
export function deraForward(
  aligned: Transformer,
  reference: Transformer,
  inputIds: readonly (readonly number[])[],
  options: { lambda: number; attentionMask?: readonly (readonly number[])[]; warn?: WarningSink },
): tf.Tensor3D {
  return tf.tidy(() => {
    const { features, head } = deraHeadInput(aligned, reference, inputIds, options);
    return head(features);
  });
}

/**
 * {@link deraForward} stopped before the heads: the features are the paths' last hidden states side by side
 * ([B, T, D_aligned + D_reference]; one model's at λ = 0 or 1), the head runs each model's norm and head
 * on its half and mixes the logits. For losses that run the head in chunks (`kdLossFromHeads`).
 */
export function deraHeadInput(
  aligned: Transformer,
  reference: Transformer,
  inputIds: readonly (readonly number[])[],
  options: { lambda: number; attentionMask?: readonly (readonly number[])[]; warn?: WarningSink },
): HeadInput {
  assertSameVocabulary(aligned, reference);
  const lambda = validateLambda(options.lambda, 'lambda', options.warn);
  const paths = pathsFor(lambda);
  const hidden = (model: Transformer) => model.hidden(inputIds, { attentionMask: options.attentionMask });
  const vocabSize = aligned.config.vocabSize;
  if (paths !== 'both') {
    const model = paths === 'aligned' ? aligned : reference;
    return { features: hidden(model), head: (x) => model.logits(x), vocabSize, headVariables: model.headVariables() };
  }
  const D = aligned.config.hiddenSize;
  return {
    features: tf.tidy(() => tf.concat([hidden(aligned), hidden(reference)], 2) as tf.Tensor3D),
    head: (x) =>
      mixPaths(
        lambda,
        () => aligned.logits(tf.slice(x, [0, 0, 0], [-1, -1, D])),
        () => reference.logits(tf.slice(x, [0, 0, D], [-1, -1, -1])),
      ),
    vocabSize,
    headVariables: [...aligned.headVariables(), ...reference.headVariables()],
  };
}
