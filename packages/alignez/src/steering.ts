import { tf } from '@aligndial/core';
import type { EditsManifest } from './edits-types.js';

// Steering = fit × apply (as steering-vectors' aggregators × operators). A method fits per-layer directions
// (AlignEZ: top singular vectors of helpful/harmful embeddings, global or per query k-NN — fit.ts, knn.ts; CAA:
// the mean difference of chosen − rejected activations — caa.ts) and applies them with an operator below.

/**
 * Applies one layer's fitted directions to an MLP output x [B, T, D]: `directions` are that layer's tensors
 * [R, 1, D] (R = 1 or B rows), `strength` is α. Returns the edited output.
 */
export type SteeringOperator = (x: tf.Tensor3D, directions: readonly tf.Tensor3D[], strength: number) => tf.Tensor3D;

const TINY = 1e-30;

/** α·(⟨x,θ⟩/⟨θ,θ⟩)·θ over the last axis (θ broadcasts against x): x's component along θ, scaled. */
function component(x: tf.Tensor, theta: tf.Tensor, strength: number): tf.Tensor {
  const coef = tf.div(tf.sum(tf.mul(x, theta), -1, true), tf.maximum(tf.sum(tf.mul(theta, theta), -1, true), TINY));
  return tf.mul(tf.mul(coef, strength), theta);
}

/** x − α·(⟨x,θ⟩/⟨θ,θ⟩)·θ: vector rejection of θ from x (α = 1 removes the component entirely). */
export function removeComponent(x: tf.Tensor, theta: tf.Tensor, strength = 1): tf.Tensor {
  return tf.tidy(() => tf.sub(x, component(x, theta, strength)));
}

/** x + α·(⟨x,θ⟩/⟨θ,θ⟩)·θ: amplifies x's component along θ. */
export function addComponent(x: tf.Tensor, theta: tf.Tensor, strength = 1): tf.Tensor {
  return tf.tidy(() => tf.add(x, component(x, theta, strength)));
}

/**
 * The AlignEZ edit of an MLP output x [..., D] (Sec. 2.3), with strength α on both terms (α = 1 is the paper):
 * x̂ ← x − α·(⟨x,θ_harm⟩/⟨θ_harm,θ_harm⟩)·θ_harm, then x̂ ← x̂ + α·(⟨x̂,θ_help⟩/⟨θ_help,θ_help⟩)·θ_help.
 * With α = 1 the first step leaves ⟨x̂, θ_harm⟩ = 0; x is unchanged when both directions are orthogonal to it.
 */
export function alignEzEdit(x: tf.Tensor, help: tf.Tensor, harm: tf.Tensor, strength = 1): tf.Tensor {
  return tf.tidy(() => addComponent(removeComponent(x, harm, strength), help, strength));
}

/** AlignEZ's operator: ablate the harmful direction, then amplify the helpful one; directions `[help, harm]`. */
export const ablateThenAdd: SteeringOperator = (x, [help, harm], strength) => alignEzEdit(x, help, harm, strength) as tf.Tensor3D;

/** CAA's operator: x + α·v (the same as adding v to the residual stream after the layer); directions `[v]`. */
export const addVector: SteeringOperator = (x, [v], strength) => tf.tidy(() => tf.add(x, tf.mul(v, strength))) as tf.Tensor3D;

/** The operator each edits method is applied with (the edits file records the method). */
export const STEERING_OPERATORS: Readonly<Record<EditsManifest['method'], SteeringOperator>> = {
  alignez: ablateThenAdd,
  caa: addVector,
};
