import { AligndialError, type Tokenizer, type Transformer, cutText, leftPad, tf } from '@aligndial/core';
import { fitToLength } from './prompt-ids.js';

/**
 * How Φ_l(text) summarises the MLP output of layer l over the text's tokens:
 * `last` — at the last token (default; what a causal model has read the whole text at, and the
 * position generation edits next); `mean` — averaged over all tokens of the text.
 */
export type Pooling = 'last' | 'mean';

/** Where activations are read: the MLP output of a layer (AlignEZ's Φ_l, default) or the residual stream after it (CAA). */
export type ActivationSite = 'mlp' | 'residual';

export interface EmbedOptions {
  pooling?: Pooling;
  site?: ActivationSite;
  /** Texts per forward pass (default 8; rows are left-padded with an attention mask). */
  batchSize?: number;
  /** Longer texts keep their first token and their last maxTokens − 1 (default 512, capped by the model's positions). */
  maxTokens?: number;
  /** Layers to return, in this order (default: every layer 0 … numLayers − 1). */
  layers?: readonly number[];
  /** Called after each batch with the number of texts embedded so far. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Φ_l for every text and every requested layer, from ONE forward pass per text (batched):
 * result[i][j] is the pooled MLP output (or residual stream, with `site: 'residual'`) — length D —
 * of text i at layer `layers[j]`.
 */
export function embedTokenIds(model: Transformer, sequences: readonly (readonly number[])[], options: EmbedOptions = {}): Float32Array[][] {
  const pooling = options.pooling ?? 'last';
  const site = options.site ?? 'mlp';
  if (site !== 'mlp' && site !== 'residual') throw new AligndialError(`site must be "mlp" or "residual", got "${String(site)}"`);
  if (pooling !== 'last' && pooling !== 'mean') throw new AligndialError(`pooling must be "last" or "mean", got "${String(pooling)}"`);
  const batchSize = options.batchSize ?? 8;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new AligndialError(`batchSize must be a whole number ≥ 1, got ${batchSize}`);
  const numLayers = model.config.numLayers;
  const layers = options.layers ?? Array.from({ length: numLayers }, (_, l) => l);
  for (const l of layers) if (!Number.isInteger(l) || l < 0 || l >= model.layers.length) throw new AligndialError(`layer ${l} is outside the model's layers [0, ${model.layers.length})`);
  const wanted = new Map(layers.map((l, j) => [l, j]));
  const maxTokens = Math.min(options.maxTokens ?? 512, model.config.maxPositionEmbeddings);
  const ids = sequences.map((s, i) => {
    if (s.length === 0) throw new AligndialError(`text ${i} has no tokens to embed`);
    return fitToLength(s, maxTokens);
  });
  // Batch texts of similar length together (less padding), then restore the order.
  const order = ids.map((s, i) => i).sort((a, b) => ids[a].length - ids[b].length || a - b);
  const D = model.config.hiddenSize;
  const out: Float32Array[][] = new Array(ids.length);
  for (let start = 0; start < order.length; start += batchSize) {
    const rows = order.slice(start, start + batchSize);
    const { ids: padded, mask } = leftPad(
      rows.map((i) => ids[i]),
      0,
    );
    const B = rows.length;
    const T = padded[0].length;
    const captured: tf.Tensor2D[] = new Array(layers.length);
    tf.tidy(() => {
      const maskT = pooling === 'mean' ? tf.tensor3d(mask.map((r) => r.map((v) => [v])), [B, T, 1]) : undefined;
      const counts = maskT ? tf.sum(maskT, 1) : undefined; // [B, 1]
      const capture = (layer: number, output: tf.Tensor3D): void => {
        const j = wanted.get(layer);
        if (j === undefined) return;
        const pooled =
          pooling === 'last' ? tf.reshape(tf.slice(output, [0, T - 1, 0], [B, 1, D]), [B, D]) : tf.div(tf.sum(tf.mul(output, maskT!), 1), counts!);
        captured[j] = tf.keep(pooled as tf.Tensor2D);
      };
      model.forward(padded, {
        attentionMask: mask,
        lastTokenOnly: true,
        hooks: site === 'mlp' ? { mlpOutput: capture } : { hiddenState: capture },
      });
    });
    try {
      const values = captured.map((t) => t.dataSync() as Float32Array);
      rows.forEach((i, b) => {
        out[i] = values.map((v) => v.slice(b * D, (b + 1) * D));
      });
    } finally {
      for (const t of captured) t?.dispose();
    }
    options.onProgress?.(Math.min(start + batchSize, order.length), order.length);
  }
  return out;
}

/** {@link embedTokenIds} of texts encoded with `tokenizer.encode` (BOS added as the tokenizer is configured). */
export function embedTexts(model: Transformer, tokenizer: Tokenizer, texts: readonly string[], options: EmbedOptions = {}): Float32Array[][] {
  const maxTokens = Math.min(options.maxTokens ?? 512, model.config.maxPositionEmbeddings);
  return embedTokenIds(
    model,
    texts.map((t, i) => {
      // Only the last maxTokens − 1 tokens are embedded: cut by characters first (bounded work on huge texts).
      const ids = tokenizer.encode(cutText(t, tokenizer.charBudget(maxTokens), 'end'));
      if (ids.length === 0) throw new AligndialError(`text ${i} ("${t.slice(0, 40)}") encodes to no tokens`);
      return ids;
    }),
    options,
  );
}
