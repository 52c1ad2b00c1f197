import { AligndialError } from '../errors.js';
import { tf } from '../runtime/tf.js';
import { buildMaskBias, positionIdsFromMask } from './attention-mask.js';
import type { ModelConfig } from './config.js';
import { DecoderLayer, type ForwardHooks, type LayerContext } from './decoder-layer.js';
import { rmsNorm } from './ops/rms-norm.js';
import type { KVCache } from './kv-cache.js';
import { RopeTables } from './rope.js';

/** Parameters outside the decoder layers. */
export interface TransformerWeights {
  /** Token embeddings E [V, D]. */
  embed: tf.Variable;
  /** Final RMSNorm [D]. */
  norm: tf.Variable;
  /** LM head [D, V] (already transposed for `h · W`); absent when tied to `embed`. */
  lmHead?: tf.Variable;
}

export interface ForwardOptions {
  /** Keys/values of earlier positions; updated in place with this call's tokens. */
  cache?: KVCache;
  /** [B, past + T]: 1 for tokens to attend to, 0 for padding (transformers' convention). */
  attentionMask?: readonly (readonly number[])[];
  /** [B, T] positions; by default derived from the mask, or past + 0..T−1. */
  positionIds?: readonly (readonly number[])[];
  hooks?: ForwardHooks;
  /** Compute logits only for the last position ([B, 1, V]): what generation needs. */
  lastTokenOnly?: boolean;
  /** Differentiate through a tied LM head (it is then derived from `embed` in the graph). */
  training?: boolean;
}

/**
 * A Llama-family decoder: embed → layers → RMSNorm → LM head.
 * `layers` is plain data: a package may insert layers (CLM adds layers before layer 0)
 * or run a subset through `runLayers`; `config` keeps describing the base checkpoint.
 */
export class Transformer {
  readonly rope: RopeTables;
  private tiedHead?: { source: object; head: tf.Tensor2D };

  constructor(
    readonly config: ModelConfig,
    readonly weights: TransformerWeights,
    public layers: DecoderLayer[],
  ) {
    this.rope = new RopeTables(config);
  }

  /** Logits [B, T, V] (or [B, 1, V] with `lastTokenOnly`) for token ids [B, T]. */
  forward(inputIds: tf.Tensor2D | readonly (readonly number[])[], options: ForwardOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const ids = inputIds instanceof tf.Tensor ? inputIds : tokenIdTensor(inputIds, this.config.vocabSize);
      const [B, T] = ids.shape;
      const ctx = this.context(B, T, options);
      let h = this.runLayers(this.embed(ids), ctx);
      if (options.lastTokenOnly && T > 1) h = tf.slice(h, [0, T - 1, 0], [B, 1, -1]);
      return this.logits(h, options.training);
    });
  }

  /** Token embeddings [B, T, D]. */
  embed(ids: tf.Tensor2D): tf.Tensor3D {
    const [B, T] = ids.shape;
    return tf.reshape(tf.gather(this.weights.embed, tf.reshape(ids, [B * T])), [B, T, this.config.hiddenSize]);
  }

  /** Rotary tables at each row's positions and the attention bias for a pass over T new tokens. */
  context(batch: number, length: number, options: Pick<ForwardOptions, 'cache' | 'attentionMask' | 'positionIds' | 'hooks'> = {}): LayerContext {
    const past = options.cache?.length ?? 0;
    const positions =
      options.positionIds ??
      (options.attentionMask
        ? positionIdsFromMask(options.attentionMask, length)
        : Array.from({ length: batch }, () => Array.from({ length }, (_, i) => past + i)));
    let maxPosition = 0;
    for (const row of positions) for (const p of row) if (p > maxPosition) maxPosition = p;
    const tables = this.rope.tables(maxPosition + 1);
    const index = tf.tensor2d(positions as number[][], [batch, length], 'int32');
    const hd = this.config.headDim;
    return {
      cos: tf.reshape(tf.gather(tables.cos, index), [batch, length, 1, hd]),
      sin: tf.reshape(tf.gather(tables.sin, index), [batch, length, 1, hd]),
      maskBias: buildMaskBias(options.attentionMask, batch, length, past, this.config.slidingWindow),
      cache: options.cache,
      hooks: options.hooks,
    };
  }

  /**
   * Runs hidden states [B, T, D] through `layers` (default: all), using KV-cache slots 0.. in that
   * order, and advances the context's cache by T. Layer indices passed to hooks start at `firstIndex`.
   */
  runLayers(h: tf.Tensor3D, ctx: LayerContext, layers: readonly DecoderLayer[] = this.layers, firstIndex = 0): tf.Tensor3D {
    let x = h;
    layers.forEach((layer, i) => {
      x = layer.forward(x, firstIndex + i, ctx);
    });
    ctx.cache?.advance(h.shape[1]);
    return x;
  }

  /** Final norm and LM head: hidden [B, T, D] → logits [B, T, V]; `head(finalNorm(h))`. */
  logits(h: tf.Tensor3D, training = false): tf.Tensor3D {
    return this.head(this.finalNorm(h), training);
  }

  /** The final RMSNorm, per position: hidden [B, T, D] → [B, T, D]. */
  finalNorm(h: tf.Tensor3D): tf.Tensor3D {
    return rmsNorm(h, this.weights.norm, this.config.rmsNormEps) as tf.Tensor3D;
  }

  /** The LM head, linear and bias-free: normed hidden [B, T, D] → logits [B, T, V]. */
  head(normed: tf.Tensor3D, training = false): tf.Tensor3D {
    const [B, T, D] = normed.shape;
    return tf.reshape(tf.matMul(tf.reshape(normed, [B * T, D]) as tf.Tensor2D, this.headWeight(training)), [B, T, this.config.vocabSize]);
  }

  /** The LM head [D, V]. A tied head is a cached transpose of `embed`, rebuilt when `embed` changes. */
  headWeight(training = false): tf.Tensor2D {
    if (this.weights.lmHead) return this.weights.lmHead as tf.Tensor2D;
    if (training) return tf.transpose(this.weights.embed) as tf.Tensor2D;
    const source = (this.weights.embed as unknown as { dataId: object }).dataId;
    if (this.tiedHead?.source !== source) {
      this.tiedHead?.head.dispose();
      this.tiedHead = { source, head: tf.keep(tf.tidy(() => tf.transpose(this.weights.embed) as tf.Tensor2D)) };
    }
    return this.tiedHead.head;
  }

  /** Every parameter by name: `embed`, `norm`, `lmHead`, `layers.{i}.{field}` (i = current position in `layers`). */
  parameters(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    out.set('embed', this.weights.embed);
    this.layers.forEach((layer, i) => {
      for (const [name, v] of layer.parameters()) out.set(`layers.${i}.${name}`, v);
    });
    out.set('norm', this.weights.norm);
    if (this.weights.lmHead) out.set('lmHead', this.weights.lmHead);
    return out;
  }

  /** Frees every tensor the model holds. */
  dispose(): void {
    for (const v of this.parameters().values()) v.dispose();
    this.tiedHead?.head.dispose();
    this.rope.dispose();
  }

}

/** Validates plain id rows (rectangular, inside the vocabulary) and makes them an int32 [B, T] tensor. */
export function tokenIdTensor(rows: readonly (readonly number[])[], vocabSize: number): tf.Tensor2D {
  const T = rows[0]?.length ?? 0;
  if (rows.length === 0 || T === 0) throw new AligndialError('forward() needs at least one row of at least one token id');
  rows.forEach((row, b) => {
    if (row.length !== T) throw new AligndialError(`input row ${b} has ${row.length} ids; all rows need ${T} (pad them)`);
    for (const id of row) {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
        throw new AligndialError(`token id ${id} in row ${b} is outside the vocabulary [0, ${vocabSize})`);
      }
    }
  });
  return tf.tensor2d(rows as number[][], [rows.length, T], 'int32');
}
