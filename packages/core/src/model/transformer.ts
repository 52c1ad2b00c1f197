import { EngineMatrix, type WeightStorage } from '../engine/engine-matrix.js';
import { AligndialError } from '../errors.js';
import { tf } from '../runtime/tf.js';
import { buildMaskBias, positionIdsFromMask } from './attention-mask.js';
import type { ModelConfig } from './config.js';
import { DecoderLayer, type ForwardHooks, type LayerContext, MATRIX_FIELDS } from './decoder-layer.js';
import { type LinearWeight, linear, toVariable } from './linear-weight.js';
import { rmsNorm } from './ops/rms-norm.js';
import type { HeadInput } from './head-input.js';
import type { KVCache } from './kv-cache.js';
import { RopeTables } from './rope.js';
import { recomputeInBackward } from '../runtime/recompute.js';

/** Parameters outside the decoder layers. */
export interface TransformerWeights {
  /** Token embeddings E [V, D] (a tfjs Variable, or frozen in the engine, stored [V, D] too). */
  embed: LinearWeight;
  /** Final RMSNorm [D]. */
  norm: tf.Variable;
  /** LM head [D, V] (already transposed for `h · W`; an engine matrix stores it [V, D]); absent when tied to `embed`. */
  lmHead?: LinearWeight;
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
  /**
   * Activation checkpointing (Hugging Face's `gradient_checkpointing`): while a gradient tape records,
   * each decoder layer keeps only its input for the backward pass and is recomputed there, and the LM
   * head runs in recomputed chunks. Trades about one extra forward pass for activation memory that no
   * longer grows with the number of layers. No effect on inference.
   */
  gradientCheckpointing = false;
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
    return tf.tidy(() => this.logits(this.hidden(inputIds, options), options.training));
  }

  /** The last layer's hidden states [B, T, D] (or [B, 1, D] with `lastTokenOnly`): `forward` before the final norm and head. */
  hidden(inputIds: tf.Tensor2D | readonly (readonly number[])[], options: Omit<ForwardOptions, 'training'> = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const ids = inputIds instanceof tf.Tensor ? inputIds : tokenIdTensor(inputIds, this.config.vocabSize);
      const [B, T] = ids.shape;
      const h = this.runLayers(this.embed(ids), this.context(B, T, options));
      return options.lastTokenOnly && T > 1 ? tf.slice(h, [0, T - 1, 0], [B, 1, -1]) : h;
    });
  }

  /** `forward` stopped before the final norm: hidden states and `logits` as the head (see {@link HeadInput}). */
  headInput(inputIds: tf.Tensor2D | readonly (readonly number[])[], options: ForwardOptions = {}): HeadInput {
    return {
      features: this.hidden(inputIds, options),
      head: (x) => this.logits(x, options.training),
      vocabSize: this.config.vocabSize,
      headVariables: this.headVariables(),
    };
  }

  /** The tfjs Variables that `logits` reads: the final norm and the LM head (or the tied embedding) unless the engine holds it. */
  headVariables(): tf.Variable[] {
    const { norm, lmHead, embed } = this.weights;
    return [norm, lmHead ?? embed].filter((v): v is tf.Variable => v instanceof tf.Variable);
  }

  /** Token embeddings [B, T, D]. */
  embed(ids: tf.Tensor2D): tf.Tensor3D {
    const [B, T] = ids.shape;
    const E = this.weights.embed;
    if (E instanceof EngineMatrix) {
      // Frozen embeddings: look the rows up in the engine (no gradient flows into them).
      return tf.tensor3d(E.gatherRows(ids.dataSync()), [B, T, this.config.hiddenSize]);
    }
    return tf.reshape(tf.gather(E, tf.reshape(ids, [B * T])), [B, T, this.config.hiddenSize]);
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
    // Without a cache or hooks (which may hold a layer's tensors), each layer runs in its own tidy scope, so
    // its intermediates are freed as soon as it is done (the gradient tape keeps what the backward pass
    // needs) instead of all layers' piling up until the whole pass ends. Checkpointing cannot replay hooks
    // or KV-cache writes either; neither is used while training.
    const isolated = !ctx.cache && !ctx.hooks;
    const checkpoint = this.gradientCheckpointing && isolated;
    layers.forEach((layer, i) => {
      const index = firstIndex + i;
      const input = x;
      x = checkpoint ? checkpointedLayer(layer, input, index, ctx) : isolated ? tf.tidy(() => layer.forward(input, index, ctx)) : layer.forward(input, index, ctx);
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

  /**
   * The LM head, linear and bias-free: normed hidden [B, T, D] → logits [B, T, V]. An engine-held
   * head (or tied embedding) runs in the engine from its one copy: no transposed duplicate.
   */
  head(normed: tf.Tensor3D, training = false): tf.Tensor3D {
    const [B, T, D] = normed.shape;
    const rows = tf.reshape(normed, [B * T, D]) as tf.Tensor2D;
    const { lmHead, embed } = this.weights;
    const logits =
      lmHead instanceof EngineMatrix
        ? linear(rows, lmHead)
        : !lmHead && embed instanceof EngineMatrix
          ? linear(rows, embed)
          : tf.matMul(rows, this.headWeight(training));
    return tf.reshape(logits, [B, T, this.config.vocabSize]);
  }

  /** The LM head [D, V] as a tfjs tensor. A tied head is a cached transpose of `embed`, rebuilt when `embed` changes. */
  headWeight(training = false): tf.Tensor2D {
    const { lmHead, embed } = this.weights;
    if (lmHead && !(lmHead instanceof EngineMatrix)) return lmHead as tf.Tensor2D;
    if (lmHead instanceof EngineMatrix || embed instanceof EngineMatrix) {
      throw new AligndialError('the LM head is held by the matmul engine; apply it with head(), or thaw it first');
    }
    if (training) return tf.transpose(embed) as tf.Tensor2D;
    const source = (embed as unknown as { dataId: object }).dataId;
    if (this.tiedHead?.source !== source) {
      this.tiedHead?.head.dispose();
      this.tiedHead = { source, head: tf.keep(tf.tidy(() => tf.transpose(embed) as tf.Tensor2D)) };
    }
    return this.tiedHead.head;
  }

  /**
   * Every tfjs Variable by name: `embed`, `norm`, `lmHead`, `layers.{i}.{field}` (i = current
   * position in `layers`). Frozen matrices held by the engine are not Variables and are left out
   * (see `engineMatrices`; `thaw` turns them back into Variables to train them).
   */
  parameters(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    if (!(this.weights.embed instanceof EngineMatrix)) out.set('embed', this.weights.embed);
    this.layers.forEach((layer, i) => {
      for (const [name, v] of layer.parameters()) out.set(`layers.${i}.${name}`, v);
    });
    out.set('norm', this.weights.norm);
    if (this.weights.lmHead && !(this.weights.lmHead instanceof EngineMatrix)) out.set('lmHead', this.weights.lmHead);
    return out;
  }

  /** The matrices held by the matmul engine, by the names `parameters()` would give them. */
  engineMatrices(): Map<string, EngineMatrix> {
    const out = new Map<string, EngineMatrix>();
    if (this.weights.embed instanceof EngineMatrix) out.set('embed', this.weights.embed);
    this.layers.forEach((layer, i) => {
      for (const [name, m] of layer.engineMatrices()) out.set(`layers.${i}.${name}`, m);
    });
    if (this.weights.lmHead instanceof EngineMatrix) out.set('lmHead', this.weights.lmHead);
    return out;
  }

  /** How the engine stores this model's frozen matrices (undefined when all weights are tfjs Variables). */
  get weightStorage(): WeightStorage | undefined {
    for (const m of this.engineMatrices().values()) return m.storage;
    return undefined;
  }

  /**
   * Moves the named engine-held matrices (names as in `engineMatrices()`) into tfjs Variables so
   * they can train; unknown or already-tfjs names are ignored. Returns the names thawed.
   */
  thaw(names: Iterable<string>): string[] {
    const done: string[] = [];
    for (const name of names) {
      if (name === 'embed' && this.weights.embed instanceof EngineMatrix) {
        const m = this.weights.embed;
        this.weights.embed = toVariable(m, false);
        m.dispose();
        done.push(name);
      } else if (name === 'lmHead' && this.weights.lmHead instanceof EngineMatrix) {
        const m = this.weights.lmHead;
        this.weights.lmHead = toVariable(m);
        m.dispose();
        done.push(name);
      } else {
        const match = /^layers\.(\d+)\.(\w+)$/.exec(name);
        const layer = match ? this.layers[Number(match[1])] : undefined;
        const field = match?.[2] as (typeof MATRIX_FIELDS)[number] | undefined;
        if (layer && field && (MATRIX_FIELDS as readonly string[]).includes(field) && layer.weights[field] instanceof EngineMatrix) {
          layer.thaw(field);
          done.push(name);
        }
      }
    }
    return done;
  }

  /** Frees every tensor and engine matrix the model holds. */
  dispose(): void {
    for (const v of this.parameters().values()) v.dispose();
    for (const m of this.engineMatrices().values()) m.dispose();
    this.tiedHead?.head.dispose();
    this.rope.dispose();
  }

}

/** One decoder layer whose backward pass recomputes it from its input (see `gradientCheckpointing`). */
function checkpointedLayer(layer: DecoderLayer, x: tf.Tensor3D, index: number, ctx: LayerContext): tf.Tensor3D {
  // The rotary tables and the mask are inputs too: the tensors of this pass are freed before the backward pass.
  const inputs = ctx.maskBias ? [x, ctx.cos, ctx.sin, ctx.maskBias] : [x, ctx.cos, ctx.sin];
  const run = (h: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor, maskBias?: tf.Tensor) => layer.forward(h as tf.Tensor3D, index, { cos, sin, maskBias });
  return recomputeInBackward(run as (...t: tf.Tensor[]) => tf.Tensor, inputs, layer.parameters().map(([, v]) => v)) as tf.Tensor3D;
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
