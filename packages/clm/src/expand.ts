import { AligndialError, DecoderLayer, type DecoderLayerWeights, type Transformer, linearWeightShape, tf, toVariable } from '@aligndial/core';

/** Fields zeroed in an identity copy: the attention output projection and the MLP down projection (paper Fig. 2). */
export const ZEROED_FIELDS = ['wo', 'bo', 'wDown', 'bDown'] as const satisfies readonly (keyof DecoderLayerWeights)[];

/** A fresh copy of a decoder layer's weights (new variables; the source is untouched). */
export function cloneLayer(layer: DecoderLayer): DecoderLayer {
  const weights = Object.fromEntries(
    // Engine-held (frozen) matrices become tfjs Variables: the copy is trainable.
    layer.allWeights().map(([name, v]) => [name, v instanceof tf.Variable ? tf.variable(tf.tidy(() => tf.clone(v)), false) : toVariable(v)]),
  ) as unknown as DecoderLayerWeights;
  return new DecoderLayer(layer.config, weights);
}

/**
 * An identity copy of `source` (paper Sec. 2.1): every weight copied, except `o_proj` (and its bias)
 * and `down_proj` (and its bias), which are zero. Attention and MLP then add exactly 0 to the residual
 * stream, so the layer maps its input to itself bit for bit.
 */
export function createIdentityLayer(source: DecoderLayer): DecoderLayer {
  const zeroed = new Set<string>(ZEROED_FIELDS);
  const weights = Object.fromEntries(
    source.allWeights().map(([name, v]) => [
      name,
      v instanceof tf.Variable
        ? tf.variable(tf.tidy(() => (zeroed.has(name) ? tf.zerosLike(v) : tf.clone(v))), false)
        : zeroed.has(name)
          ? tf.variable(tf.zeros(linearWeightShape(v)), false)
          : toVariable(v),
    ]),
  ) as unknown as DecoderLayerWeights;
  return new DecoderLayer(source.config, weights);
}

/** Options for {@link createIdentityLayers}. */
export interface ExpansionOptions {
  /** Number of identity layers to add before layer 0 (paper Table 7), default 1. */
  layers?: number;
  /** Index of the base layer to copy, default 0 (the paper's choice: the bottom layer). */
  copyLayer?: number;
}

/** `n` identity copies of a base layer (default: `n` = 1 copy of layer 0), to be placed before layer 0. */
export function createIdentityLayers(base: Transformer, options: ExpansionOptions = {}): DecoderLayer[] {
  const n = options.layers ?? 1;
  const copy = options.copyLayer ?? 0;
  if (!Number.isInteger(n) || n < 1) throw new AligndialError(`the number of added layers must be a whole number ≥ 1, got ${String(n)}`);
  if (!Number.isInteger(copy) || copy < 0 || copy >= base.layers.length) {
    throw new AligndialError(`cannot copy layer ${String(copy)}: the model has layers 0..${base.layers.length - 1}`);
  }
  return Array.from({ length: n }, () => createIdentityLayer(base.layers[copy]));
}
