import { batchMatMul } from '../engine/batch-matmul-op.js';
import { EngineMatrix } from '../engine/engine-matrix.js';
import { tf } from '../runtime/tf.js';
import type { ModelConfig } from './config.js';
import { type LinearWeight, linear, toVariable } from './linear-weight.js';
import type { KVCache } from './kv-cache.js';
import { decodeAttention, hasDecodeAttention } from './ops/decode-attention.js';
import { permute } from './ops/permute.js';
import { qkvRope } from './ops/qkv-rope.js';
import { residualAdd } from './ops/residual-add.js';
import { rmsNorm } from './ops/rms-norm.js';
import { swiGlu } from './ops/swiglu.js';

/**
 * A decoder layer's parameters, pre-laid-out for plain `x · W` matMuls (no transposes in the
 * hot path): q/k/v fused into one matrix, gate/up fused into another. A frozen matrix may instead
 * live in the matmul engine (`EngineMatrix`, stored [out, in]); norms and biases are always tfjs.
 */
export interface DecoderLayerWeights {
  /** RMSNorm before attention, [D]. */
  inputNorm: tf.Variable;
  /** [D, (H + 2K)·hd]: columns are q heads, then k heads, then v heads. */
  wqkv: LinearWeight;
  bqkv?: tf.Variable;
  /** [H·hd, D]. */
  wo: LinearWeight;
  bo?: tf.Variable;
  /** RMSNorm before the MLP, [D]. */
  postNorm: tf.Variable;
  /** [D, 2F]: gate columns, then up columns. */
  wGateUp: LinearWeight;
  bGateUp?: tf.Variable;
  /** [F, D]. */
  wDown: LinearWeight;
  bDown?: tf.Variable;
}

/** Per-forward-pass data shared by all layers. */
export interface LayerContext {
  /** Rotary tables gathered at each row's positions, [B, T, 1, hd]. */
  cos: tf.Tensor;
  sin: tf.Tensor;
  /** Additive attention bias [B, 1, 1, T, Tk] (0 or −1e9), or undefined when every key is visible. */
  maskBias?: tf.Tensor;
  cache?: KVCache;
  hooks?: ForwardHooks;
}

/** Read or edit activations during a forward pass (AlignEZ uses `mlpOutput`). */
export interface ForwardHooks {
  /** Layer `layer`'s MLP output [B, T, D] before it is added to the residual stream; return a tensor to replace it. */
  mlpOutput?: (layer: number, output: tf.Tensor3D) => tf.Tensor3D | void;
  /** The residual stream [B, T, D] after layer `layer`; return a tensor to replace it. */
  hiddenState?: (layer: number, hidden: tf.Tensor3D) => tf.Tensor3D | void;
}

/** The fields of `DecoderLayerWeights` that are matrices (and may live in the engine). */
export const MATRIX_FIELDS = ['wqkv', 'wo', 'wGateUp', 'wDown'] as const;
export type MatrixField = (typeof MATRIX_FIELDS)[number];

/** One pre-norm decoder layer: h + Attn(RMSNorm(h)), then h + MLP(RMSNorm(h)). */
export class DecoderLayer {
  constructor(
    readonly config: ModelConfig,
    readonly weights: DecoderLayerWeights,
  ) {}

  /** x [B, T, D] → [B, T, D]. `index` is the layer's place in the stack (its KV-cache slot and hook index). */
  forward(x: tf.Tensor3D, index: number, ctx: LayerContext): tf.Tensor3D {
    const { rmsNormEps: eps } = this.config;
    const attn = this.attention(rmsNorm(x, this.weights.inputNorm, eps) as tf.Tensor3D, index, ctx);
    const h = residualAdd(x, attn);
    let mlp = this.mlp(rmsNorm(h, this.weights.postNorm, eps) as tf.Tensor3D);
    const edited = ctx.hooks?.mlpOutput?.(index, mlp);
    if (edited) mlp = edited;
    let out = residualAdd(h, mlp);
    const replaced = ctx.hooks?.hiddenState?.(index, out);
    if (replaced) out = replaced;
    return out;
  }

  private attention(x: tf.Tensor3D, index: number, ctx: LayerContext): tf.Tensor3D {
    const { numHeads: H, numKvHeads: K, headDim: hd } = this.config;
    const [B, T, D] = x.shape;
    const w = this.weights;
    const qkv = linear(tf.reshape(x, [B * T, D]), w.wqkv, w.bqkv);
    const { q, k, v } = qkvRope(qkv, ctx.cos, ctx.sin, { numHeads: H, numKvHeads: K, headDim: hd, qScale: 1 / Math.sqrt(hd) });
    const past = ctx.cache?.length ?? 0;
    if (T === 1 && ctx.cache && hasDecodeAttention()) {
      const cached = ctx.cache.get(index) ?? { keys: tf.zeros([B, K, 0, hd]) as tf.Tensor4D, values: tf.zeros([B, K, 0, hd]) as tf.Tensor4D };
      const bias = ctx.maskBias ? tf.reshape(ctx.maskBias, [B, -1]) : undefined;
      const step = decodeAttention(q, k, v, cached.keys, cached.values, bias, H, past);
      ctx.cache.set(index, { keys: step.keys, values: step.values });
      return tf.reshape(linear(step.output, w.wo, w.bo), [B, T, D]);
    }
    const G = H / K;
    // Query heads h = k·G + g share kv head k (transformers' repeat_kv), so group them: [B, K, G·T, hd].
    const qGrouped = tf.reshape(permute(tf.reshape(q, [B, T, K, G, hd]), [0, 2, 3, 1, 4]), [B, K, G * T, hd]);
    let keys = permute(tf.reshape(k, [B, T, K, hd]), [0, 2, 1, 3]) as tf.Tensor4D; // [B, K, T, hd]
    let values = permute(tf.reshape(v, [B, T, K, hd]), [0, 2, 1, 3]) as tf.Tensor4D;
    const cached = ctx.cache?.get(index);
    if (cached) {
      // Cache buffers may have spare capacity (see decode-attention.ts): use only the valid rows.
      const valid = (t: tf.Tensor4D) => (t.shape[2] === past ? t : (tf.slice(t, [0, 0, 0, 0], [-1, -1, past, -1]) as tf.Tensor4D));
      keys = tf.concat([valid(cached.keys), keys], 2);
      values = tf.concat([valid(cached.values), values], 2);
    }
    ctx.cache?.set(index, { keys, values });
    const Tk = keys.shape[2];
    let scores = batchMatMul(qGrouped, keys, true); // [B, K, G·T, Tk]
    if (ctx.maskBias) scores = tf.reshape(tf.add(tf.reshape(scores, [B, K, G, T, Tk]), ctx.maskBias), [B, K, G * T, Tk]);
    const probs = tf.softmax(scores);
    const context = batchMatMul(probs, values); // [B, K, G·T, hd]
    const merged = tf.reshape(permute(tf.reshape(context, [B, K, G, T, hd]), [0, 3, 1, 2, 4]), [B * T, H * hd]);
    return tf.reshape(linear(merged as tf.Tensor2D, w.wo, w.bo), [B, T, D]);
  }

  private mlp(x: tf.Tensor3D): tf.Tensor3D {
    const [B, T, D] = x.shape;
    const w = this.weights;
    const gateUp = linear(tf.reshape(x, [B * T, D]), w.wGateUp, w.bGateUp);
    return tf.reshape(linear(swiGlu(gateUp), w.wDown, w.bDown), [B, T, D]);
  }

  /** This layer's tfjs Variables (what can train), by field name; engine-held matrices are left out. */
  parameters(): [string, tf.Variable][] {
    return Object.entries(this.weights).filter((entry): entry is [string, tf.Variable] => entry[1] !== undefined && !(entry[1] instanceof EngineMatrix));
  }

  /** The frozen matrices held by the engine, by field name. */
  engineMatrices(): [MatrixField, EngineMatrix][] {
    return MATRIX_FIELDS.filter((f) => this.weights[f] instanceof EngineMatrix).map((f) => [f, this.weights[f] as EngineMatrix]);
  }

  /** Every weight, tfjs or engine, by field name (for saving and hashing). */
  allWeights(): [string, LinearWeight][] {
    return Object.entries(this.weights).filter((entry): entry is [string, LinearWeight] => entry[1] !== undefined);
  }

  /** Moves engine-held matrix `field` into a tfjs Variable so it can train (the engine copy is freed). */
  thaw(field: MatrixField): tf.Variable {
    const w = this.weights[field];
    if (!(w instanceof EngineMatrix)) return w;
    const v = toVariable(w);
    w.dispose();
    this.weights[field] = v;
    return v;
  }

  /** Frees every weight of the layer (tfjs and engine). */
  dispose(): void {
    for (const [, w] of this.allWeights()) w.dispose();
  }
}
