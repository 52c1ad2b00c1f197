// Test helpers (not exported from the package).
import { type ModelConfig, Rng, type Transformer, tf } from '@aligndial/core';
import { configForShape, createRandomModel } from '@aligndial/core/testing';
import type { ClmModel } from '../clm-model.js';

/** A tiny Llama config; `biases` turns on every optional bias (q/k/v, o_proj, MLP) to test their handling. */
export function tinyConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return configForShape('tiny', overrides);
}

export function tinyModel(seed = 1, overrides: Partial<ModelConfig> = {}): Transformer {
  return createRandomModel(tinyConfig(overrides), { seed, initStd: 0.1, biasStd: 0.05 });
}

/** Gives every weight of the added layers a random nudge (o_proj/down_proj become non-zero), as training would. */
export function perturbAdded(clm: ClmModel, seed = 7, scale = 0.1): void {
  const rng = new Rng(seed);
  for (const v of clm.addedParameters().values()) {
    const noise = new Float32Array(v.size);
    for (let i = 0; i < noise.length; i++) noise[i] = rng.normal() * scale;
    tf.tidy(() => v.assign(tf.add(v, tf.tensor(noise, v.shape))));
  }
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** A few prompts of different lengths over the vocabulary (ids ≥ 3 to avoid special tokens). */
export function somePrompts(vocabSize: number, count = 3, seed = 3): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => Array.from({ length: 3 + ((i * 2) % 5) }, () => 3 + Math.floor(rng.next() * (vocabSize - 3))));
}
