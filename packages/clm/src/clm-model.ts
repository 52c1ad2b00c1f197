import { AligndialError, type DecoderLayer, type ForwardHooks, type HeadInput, KVCache, Transformer, tf, tokenIdTensor } from '@aligndial/core';
import { type LambdaPaths, mixHalves, pathsFor, validateLambda, type WarningSink } from './lambda-mix.js';

/** Where the added layers came from and how they were trained (recorded in the adapter manifest). */
export interface ClmOrigin {
  /** Index of the base layer the added layers were copied from. */
  copiedLayer: number;
  /** The training run that produced the adapter's weights; undefined for an untrained identity adapter. */
  training?: Record<string, unknown>;
}

/** The λ=0 path: a Transformer over the base layers only, sharing every weight (and the tied LM head) with its owner. */
class ReferenceView extends Transformer {
  constructor(private readonly owner: Transformer, baseLayers: DecoderLayer[]) {
    super(owner.config, owner.weights, baseLayers);
  }
  override headWeight(training = false): tf.Tensor2D {
    return this.owner.headWeight(training);
  }
  /** Frees only its own rotary tables: the weights belong to the owner. */
  override dispose(): void {
    this.rope.dispose();
  }
}

/**
 * KV caches of a λ-merged pass: one for the added layers (the B aligned rows) and one for the base layers
 * (the aligned rows, then the reference rows). A cache serves one λ regime: λ = 0, λ = 1 or any other λ
 * (both paths); use a new cache to switch.
 */
export class ClmCache {
  readonly added = new KVCache();
  readonly base = new KVCache();
  /** Which paths the cache was filled for (both, or the one that λ = 0 / λ = 1 needs). */
  paths?: LambdaPaths;

  dispose(): void {
    this.added.dispose();
    this.base.dispose();
    this.paths = undefined;
  }
}

/** Options of {@link ClmModel.forward}. */
export interface ClmForwardOptions {
  /** Interpolation coefficient (paper Eq. 7): 0 = base model, 1 = aligned; any finite value. Default 1. */
  lambda?: number;
  /** [B, past + T], 1 = attend, 0 = padding. */
  attentionMask?: readonly (readonly number[])[];
  positionIds?: readonly (readonly number[])[];
  cache?: ClmCache;
  /**
   * Activation hooks, with the *base* model's layer indices (0 = its first layer), so hooks written for the
   * base model work unchanged; the added layers are −n..−1. In a λ-merged pass the base layers see 2B rows:
   * the aligned rows first, then the reference rows.
   */
  hooks?: ForwardHooks;
  lastTokenOnly?: boolean;
  training?: boolean;
  /** Receives the warning for λ < 0 (default console.warn). */
  warn?: WarningSink;
}

function shiftHooks(hooks: ForwardHooks | undefined, offset: number): ForwardHooks | undefined {
  if (!hooks) return undefined;
  return {
    mlpOutput: hooks.mlpOutput && ((layer, output) => hooks.mlpOutput!(layer + offset, output)),
    hiddenState: hooks.hiddenState && ((layer, hidden) => hooks.hiddenState!(layer + offset, hidden)),
  };
}

/**
 * An alignment-controllable language model (paper Sec. 4): a base Transformer with `numAdded` layers in
 * front of its layer 0. `model` runs the aligned path (λ = 1: added layers, then the base stack) and is
 * what an exported checkpoint holds; `reference` runs the base stack alone (λ = 0) on the same weights.
 * `forward` mixes both at any λ in one batch through the shared base layers.
 */
export class ClmModel {
  /** The aligned path as a plain Transformer: `layers` = added layers, then the base layers. */
  readonly model: Transformer;
  /** The reference path (λ = 0): the same weights without the added layers. No second copy of any weight. */
  readonly reference: Transformer;
  readonly numAdded: number;
  readonly origin: ClmOrigin;

  /**
   * @param base - The base model; its `layers` array is replaced by added + base layers (the model is adopted).
   * @param added - Layers to put before the base's layer 0.
   */
  constructor(base: Transformer, added: DecoderLayer[], origin: ClmOrigin) {
    if (added.length === 0) throw new AligndialError('a CLM needs at least one added layer');
    const baseLayers = [...base.layers];
    base.layers = [...added, ...baseLayers];
    this.model = base;
    this.reference = new ReferenceView(base, baseLayers);
    this.numAdded = added.length;
    this.origin = origin;
  }

  get config() {
    return this.model.config;
  }

  get vocabSize(): number {
    return this.model.config.vocabSize;
  }

  /** The added (alignment) layers, in order. */
  get addedLayers(): DecoderLayer[] {
    return this.model.layers.slice(0, this.numAdded);
  }

  /** The base model's layers, in order. */
  get baseLayers(): DecoderLayer[] {
    return this.model.layers.slice(this.numAdded);
  }

  /**
   * The added layers' variables by name (`layers.{i}.{field}`, i < numAdded, as in `model.parameters()`):
   * what CLM training updates. Everything else, the LM head included, stays frozen.
   */
  addedParameters(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    this.addedLayers.forEach((layer, i) => {
      for (const [name, v] of layer.parameters()) out.set(`layers.${i}.${name}`, v);
    });
    return out;
  }

  /**
   * Logits [B, T, V] (or [B, 1, V] with `lastTokenOnly`) at λ: λ·aligned + (1 − λ)·reference.
   * λ = 1 runs only the aligned path and λ = 0 only the reference path; any other λ runs both as one batch
   * of 2B rows through the base layers (the aligned rows having passed the added layers first).
   */
  forward(inputIds: tf.Tensor2D | readonly (readonly number[])[], options: ClmForwardOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const { features, head } = this.headInput(inputIds, options);
      return head(features);
    });
  }

  /**
   * `forward` stopped before the LM head: the final-normed hidden states at λ (at a λ that needs both
   * paths, the λ-mix of both paths' normed states: the head is linear, see `mixBeforeHead`) and the head.
   * Losses over the vocabulary take this to run the head in chunks (see `kdLossFromHeads`).
   */
  headInput(inputIds: tf.Tensor2D | readonly (readonly number[])[], options: ClmForwardOptions = {}): HeadInput {
    const lambda = validateLambda(options.lambda ?? 1, 'lambda', options.warn);
    const paths = pathsFor(lambda);
    const cache = options.cache;
    if (cache?.paths && cache.paths !== paths) {
      throw new AligndialError(
        `this CLM cache was filled for ${cache.paths === 'both' ? 'a mixed λ' : `λ = ${cache.paths === 'aligned' ? 1 : 0}`}; λ = ${lambda} needs ${paths === 'both' ? 'both paths' : 'one path'} (start a new cache)`,
      );
    }
    const input = lambdaHeadInput(this.model, this.addedLayers, this.baseLayers, inputIds, { ...options, lambda, paths });
    if (cache) cache.paths = paths;
    return input;
  }

  /** Frees every tensor (base weights included). */
  dispose(): void {
    this.reference.dispose();
    this.model.dispose();
  }
}

/**
 * The λ-merged pass over explicit layer lists, up to the LM head (what {@link ClmModel.headInput} runs; also
 * the distillation teacher, with a frozen snapshot of the added layers). `host` provides embeddings, rotary
 * tables, final norm and LM head. Options as {@link ClmModel.forward}, with λ already validated. The features
 * are final-normed, so the head is `host.head` alone.
 * @internal
 */
export function lambdaHeadInput(
  host: Transformer,
  addedLayers: readonly DecoderLayer[],
  baseLayers: readonly DecoderLayer[],
  inputIds: tf.Tensor2D | readonly (readonly number[])[],
  options: ClmForwardOptions & { lambda: number; paths?: LambdaPaths },
): HeadInput {
  const { lambda } = options;
  const paths = options.paths ?? pathsFor(lambda);
  const cache = options.cache;
  const numAdded = addedLayers.length;
  const vocabSize = host.config.vocabSize;
  const features = tf.tidy(() => {
    const ids = inputIds instanceof tf.Tensor ? inputIds : tokenIdTensor(inputIds, vocabSize);
    const [B, T] = ids.shape;
    const { attentionMask, positionIds, hooks } = options;
    const h = host.embed(ids);
    // Rotary tables and mask bias for the B rows, computed once; both caches hold the same positions.
    const ctx = host.context(B, T, { cache: cache?.base, attentionMask, positionIds });
    const rows: tf.Tensor3D[] = [];
    if (paths !== 'reference') {
      rows.push(host.runLayers(h, { ...ctx, cache: cache?.added, hooks: shiftHooks(hooks, -numAdded) }, addedLayers));
    }
    if (paths !== 'aligned') rows.push(h);
    const r = rows.length;
    const x = r === 1 ? rows[0] : (tf.concat(rows, 0) as tf.Tensor3D);
    const twice = (t: tf.Tensor | undefined) => (t && r === 2 ? tf.concat([t, t], 0) : t);
    const baseCtx = { cos: twice(ctx.cos)!, sin: twice(ctx.sin)!, maskBias: twice(ctx.maskBias), cache: cache?.base, hooks };
    let out = host.runLayers(x, baseCtx, baseLayers);
    if (options.lastTokenOnly && T > 1) out = tf.slice(out, [0, T - 1, 0], [r * B, 1, -1]);
    const normed = host.finalNorm(out);
    return r === 1 ? normed : mixHalves(normed, lambda, 'the λ-mix');
  });
  const headVariables = host.headVariables().filter((v) => v !== host.weights.norm);
  return { features, head: (x) => host.head(x, options.training), vocabSize, headVariables };
}
