import type { ForwardHooks } from '../model/decoder-layer.js';
import { KVCache } from '../model/kv-cache.js';
import type { Transformer } from '../model/transformer.js';
import { tf } from '../runtime/tf.js';

/**
 * Produces next-token logits step by step, keeping whatever state it needs (KV caches).
 * `generate` drives any StepDecoder: a plain model, CLM's λ-merged dual path, DeRa's two models.
 */
export interface StepDecoder {
  /** Vocabulary size of the logits. */
  readonly vocabSize: number;
  /**
   * Feeds new tokens ids [B, T] (the prompt, then one token per step) with the full attention
   * mask [B, past + T]; returns logits [B, V] for the last position.
   */
  next(ids: number[][], attentionMask: number[][]): tf.Tensor2D;
  /** Frees the decoder's state. */
  dispose(): void;
  /**
   * What is most likely to blame when this decoder's logits are NaN/∞ (e.g. "λ = 90 extrapolates …");
   * `generate` puts it in its error. Default: the model's own activations.
   */
  readonly nonFiniteCause?: string;
}

/** Options for {@link createModelDecoder}. */
export interface ModelDecoderOptions {
  hooks?: ForwardHooks;
  /** Run without a KV cache: every step re-reads the whole sequence (slow; for testing the cache). */
  noCache?: boolean;
}

/** A StepDecoder over one Transformer with a KV cache. */
export function createModelDecoder(model: Transformer, options: ModelDecoderOptions = {}): StepDecoder {
  const cache = new KVCache();
  let history: number[][] = [];
  return {
    vocabSize: model.config.vocabSize,
    next(ids, attentionMask) {
      if (options.noCache) {
        history = history.length === 0 ? ids.map((r) => [...r]) : history.map((r, b) => [...r, ...ids[b]]);
        return tf.tidy(() => tf.squeeze(model.forward(history, { attentionMask, hooks: options.hooks, lastTokenOnly: true }), [1]) as tf.Tensor2D);
      }
      return tf.tidy(() => tf.squeeze(model.forward(ids, { cache, attentionMask, hooks: options.hooks, lastTokenOnly: true }), [1]) as tf.Tensor2D);
    },
    dispose() {
      cache.dispose();
    },
  };
}
