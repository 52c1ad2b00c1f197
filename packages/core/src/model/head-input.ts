import type { tf } from '../runtime/tf.js';

/**
 * A forward pass stopped before its LM head: what the head reads at each position, and the head.
 * Losses over a large vocabulary take this instead of logits [B, T, V], so they can run the head only
 * at the positions they score and in chunks of them (no [tokens × vocab] tensor exists whole).
 */
export interface HeadInput {
  /** [B, T, F]: the head's input at each position (hidden states; for a mix of paths, what the mix needs). */
  features: tf.Tensor3D;
  /** Features [1, n, F] → logits [1, n, V], position by position (row i of the output reads row i only). */
  head: (features: tf.Tensor3D) => tf.Tensor3D;
  /** V: the width of the head's logits. */
  vocabSize: number;
  /** The tfjs Variables `head` reads: a chunk recomputed in the backward pass differentiates the trainable ones. */
  headVariables: readonly tf.Variable[];
}
