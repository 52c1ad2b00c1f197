import { type BackendName, type LinearWeight, type WeightsChoice, type StepDecoder, Transformer, createModelDecoder, initBackend, tf, toVariable } from '@aligndial/core';
import { type DecodeBenchmarkOptions, benchmarkDecoders } from '@aligndial/core/internal';
import { type ModelShapeName, configForShape, createRandomModel } from '@aligndial/core/testing';
import { expandModel, loadClmModel } from './adapter.js';
import { createClmDecoder } from './clm-decoder.js';
import type { ClmModel } from './clm-model.js';
import { createDeraDecoder } from './dera-decoder.js';
import { cloneLayer } from './expand.js';

/** One decoder's measured speed. */
export interface DecodeSpeed {
  /** `base` (the base model alone), `clm` (λ-merged CLM) or `dera` (two whole models). */
  mode: 'base' | 'clm' | 'dera';
  lambda?: number;
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
  msPerToken: number;
}

/** What `aligndial bench decode --adapter` reports. */
export interface ClmDecodeBenchmark {
  backend: string;
  /** How the base model's frozen matrices were held: f32/bf16/int8 in the engine, or tfjs. */
  weights: string;
  /** Base layers + added layers, hidden size, vocabulary. */
  model: { baseLayers: number; addedLayers: number; hiddenSize: number; vocabSize: number };
  promptTokens: number;
  decodeTokens: number;
  /** λ of the mixed runs. */
  lambda: number;
  /** base, clm at λ = 1 (single path), clm at `lambda` (dual path), dera at `lambda`. */
  runs: DecodeSpeed[];
  /** ms/token of the CLM dual path ÷ the CLM single path (target ≤ 1.25). */
  dualOverSingle: number;
  /** ms/token of DeRa ÷ the CLM single path (~2: two whole models). */
  deraOverSingle: number;
}

/** Core's decode-benchmark options (tokens, prompt, warmup, rounds: medians are reported, onRun) plus the CLM's. */
export interface ClmDecodeBenchmarkOptions extends DecodeBenchmarkOptions {
  /** λ of the mixed runs (default 0.5). */
  lambda?: number;
  /** Also measure DeRa (builds a second full copy of the aligned weights; default true). */
  dera?: boolean;
}

/** A whole independent copy of a Transformer's weights (DeRa's aligned model is a second model). */
function cloneTransformer(model: Transformer): Transformer {
  const copy = (v: LinearWeight) => (v instanceof tf.Variable ? tf.variable(tf.tidy(() => tf.clone(v)), false) : toVariable(v, v.tfTransposed));
  const { embed, norm, lmHead } = model.weights;
  return new Transformer(model.config, { embed: copy(embed), norm: copy(norm), lmHead: lmHead && copy(lmHead) }, model.layers.map(cloneLayer));
}

/**
 * Decode speed of a CLM: the base model, the CLM at λ = 1 (one path), the CLM at λ (both paths as one
 * batch through the shared weights) and DeRa at λ (two whole models). Batch 1, greedy, KV caches.
 * Measured with core's `benchmarkDecoders`: the modes run interleaved and each reports its median round.
 */
export async function benchmarkClmDecode(clm: ClmModel, options: ClmDecodeBenchmarkOptions = {}): Promise<ClmDecodeBenchmark> {
  const info = await initBackend();
  const tokens = options.tokens ?? 128;
  const promptLength = options.prompt ?? 32;
  const lambda = options.lambda ?? 0.5;
  const V = clm.vocabSize;
  const aligned = (options.dera ?? true) ? cloneTransformer(clm.model) : undefined;
  const modes: { mode: DecodeSpeed['mode']; lambda?: number; make: () => StepDecoder }[] = [
    { mode: 'base', make: () => createModelDecoder(clm.reference) },
    { mode: 'clm', lambda: 1, make: () => createClmDecoder(clm, { lambda: 1 }) },
    { mode: 'clm', lambda, make: () => createClmDecoder(clm, { lambda, warn: () => {} }) },
    ...(aligned ? [{ mode: 'dera' as const, lambda, make: () => createDeraDecoder(aligned, clm.reference, { lambda, warn: () => {} }) }] : []),
  ];
  let timings;
  try {
    const labelled = modes.map((m) => ({ label: `${m.mode}${m.lambda === undefined ? '' : ` λ=${m.lambda}`}`, make: m.make }));
    timings = benchmarkDecoders(labelled, V, options);
  } finally {
    aligned?.dispose();
  }
  const runs: DecodeSpeed[] = modes.map((m, i) => ({
    mode: m.mode,
    ...(m.lambda === undefined ? {} : { lambda: m.lambda }),
    prefillTokensPerSecond: timings[i].prefillTokensPerSecond,
    decodeTokensPerSecond: timings[i].decodeTokensPerSecond,
    msPerToken: timings[i].msPerToken,
  }));
  const single = runs[1].msPerToken;
  return {
    backend: info.name,
    weights: clm.reference.weightStorage ?? 'tfjs',
    model: { baseLayers: clm.baseLayers.length, addedLayers: clm.numAdded, hiddenSize: clm.config.hiddenSize, vocabSize: V },
    promptTokens: promptLength,
    decodeTokens: tokens,
    lambda,
    runs,
    dualOverSingle: runs[2].msPerToken / single,
    deraOverSingle: runs[3] ? runs[3].msPerToken / single : Number.NaN,
  };
}

/** Options of {@link runClmDecodeBenchmark}: a model directory + adapter, or a named shape with random weights. */
export interface RunClmDecodeBenchmarkOptions extends ClmDecodeBenchmarkOptions {
  /** Base model directory (with `adapter`). */
  model?: string;
  /** Adapter directory made for `model`. */
  adapter?: string;
  /** Without `model`: random weights of this shape (default stories15M) and a random (non-identity) adapter. */
  shape?: ModelShapeName;
  /** Added layers of the random adapter (default 1). */
  layers?: number;
  backend?: BackendName | 'auto';
  /** How the base model's frozen matrices are held (`loadModel`'s `weights`; default: tfjs Variables). */
  weights?: WeightsChoice;
}

/** Loads (or creates) a CLM, benchmarks it with {@link benchmarkClmDecode} and frees it. */
export async function runClmDecodeBenchmark(options: RunClmDecodeBenchmarkOptions = {}): Promise<ClmDecodeBenchmark> {
  await initBackend(options.backend);
  let clm: ClmModel;
  if (options.model && options.adapter) clm = loadClmModel(options.model, options.adapter, { weights: options.weights });
  else {
    clm = expandModel(createRandomModel(configForShape(options.shape ?? 'stories15M'), { seed: 0 }), { layers: options.layers ?? 1 });
    // A trained adapter's o_proj/down_proj are not zero; give them values so no work is trivially zero.
    for (const layer of clm.addedLayers) {
      for (const v of [layer.weights.wo, layer.weights.wDown] as tf.Variable[]) tf.tidy(() => v.assign(tf.randomNormal(v.shape, 0, 0.02, 'float32', 1)));
    }
  }
  try {
    return await benchmarkClmDecode(clm, options);
  } finally {
    clm.dispose();
  }
}

