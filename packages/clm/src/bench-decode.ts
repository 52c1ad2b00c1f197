import {
  type BackendName,
  type ModelShapeName,
  type StepDecoder,
  Transformer,
  configForShape,
  createModelDecoder,
  createRandomModel,
  initBackend,
  tf,
  toVariable,
  type LinearWeight,
} from '@aligndial/core';
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

export interface ClmDecodeBenchmarkOptions {
  /** Tokens decoded per timed run (default 128). */
  tokens?: number;
  /** Prompt length for the prefill (default 32). */
  prompt?: number;
  /** Untimed decode steps per mode before timing (default 8). */
  warmup?: number;
  /** Timed rounds; each mode keeps its fastest (default 3). */
  rounds?: number;
  /** λ of the mixed runs (default 0.5). */
  lambda?: number;
  /** Also measure DeRa (builds a second full copy of the aligned weights; default true). */
  dera?: boolean;
  /** Called before each run (for progress output). */
  onRun?: (label: string) => void;
}

/** A whole independent copy of a Transformer's weights (DeRa's aligned model is a second model). */
function cloneTransformer(model: Transformer): Transformer {
  const copy = (v: LinearWeight) => (v instanceof tf.Variable ? tf.variable(tf.tidy(() => tf.clone(v)), false) : toVariable(v, v.tfTransposed));
  const { embed, norm, lmHead } = model.weights;
  return new Transformer(model.config, { embed: copy(embed), norm: copy(norm), lmHead: lmHead && copy(lmHead) }, model.layers.map(cloneLayer));
}

/** Greedy decoding of batch 1 through a StepDecoder: seconds for the prefill and for `steps` decode steps. */
function timeDecoder(make: () => StepDecoder, prompt: number[], steps: number): { prefill: number; decode: number } {
  const argmaxOf = (logits: tf.Tensor2D) => {
    const id = tf.tidy(() => tf.argMax(logits, 1).dataSync()[0]);
    logits.dispose();
    return id;
  };
  const decoder = make();
  const mask = [prompt.map(() => 1)];
  const t0 = performance.now();
  let token = argmaxOf(decoder.next([prompt], mask));
  const t1 = performance.now();
  for (let i = 0; i < steps; i++) {
    mask[0].push(1);
    token = argmaxOf(decoder.next([[token]], mask));
  }
  const t2 = performance.now();
  decoder.dispose();
  return { prefill: (t1 - t0) / 1000, decode: (t2 - t1) / 1000 };
}

/**
 * Decode speed of a CLM: the base model, the CLM at λ = 1 (one path), the CLM at λ (both paths as one
 * batch through the shared weights) and DeRa at λ (two whole models). Batch 1, greedy, KV caches.
 * The modes run interleaved for `rounds` rounds and each keeps its fastest round, so other load on the
 * machine disturbs the ratios as little as possible.
 */
export async function benchmarkClmDecode(clm: ClmModel, options: ClmDecodeBenchmarkOptions = {}): Promise<ClmDecodeBenchmark> {
  const info = await initBackend();
  const tokens = options.tokens ?? 128;
  const promptLength = options.prompt ?? 32;
  const warmup = options.warmup ?? 8;
  const rounds = options.rounds ?? 3;
  const lambda = options.lambda ?? 0.5;
  const V = clm.vocabSize;
  const prompt = Array.from({ length: promptLength }, (_, i) => (i * 7919 + 3) % V);
  const aligned = (options.dera ?? true) ? cloneTransformer(clm.model) : undefined;
  const modes: { mode: DecodeSpeed['mode']; lambda?: number; make: () => StepDecoder }[] = [
    { mode: 'base', make: () => createModelDecoder(clm.reference) },
    { mode: 'clm', lambda: 1, make: () => createClmDecoder(clm, { lambda: 1 }) },
    { mode: 'clm', lambda, make: () => createClmDecoder(clm, { lambda, warn: () => {} }) },
    ...(aligned ? [{ mode: 'dera' as const, lambda, make: () => createDeraDecoder(aligned, clm.reference, { lambda, warn: () => {} }) }] : []),
  ];
  const best = modes.map(() => ({ prefill: Number.POSITIVE_INFINITY, decode: Number.POSITIVE_INFINITY }));
  try {
    for (const m of modes) timeDecoder(m.make, prompt, warmup); // compiles kernels for every shape
    for (let round = 0; round < rounds; round++) {
      modes.forEach((m, i) => {
        options.onRun?.(`round ${round + 1}/${rounds}: ${m.mode}${m.lambda === undefined ? '' : ` λ=${m.lambda}`}`);
        const t = timeDecoder(m.make, prompt, tokens);
        best[i] = { prefill: Math.min(best[i].prefill, t.prefill), decode: Math.min(best[i].decode, t.decode) };
      });
    }
  } finally {
    aligned?.dispose();
  }
  const runs: DecodeSpeed[] = modes.map((m, i) => ({
    mode: m.mode,
    ...(m.lambda === undefined ? {} : { lambda: m.lambda }),
    prefillTokensPerSecond: promptLength / best[i].prefill,
    decodeTokensPerSecond: tokens / best[i].decode,
    msPerToken: (best[i].decode * 1000) / tokens,
  }));
  const single = runs[1].msPerToken;
  return {
    backend: info.name,
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
}

/** Loads (or creates) a CLM, benchmarks it with {@link benchmarkClmDecode} and frees it. */
export async function runClmDecodeBenchmark(options: RunClmDecodeBenchmarkOptions = {}): Promise<ClmDecodeBenchmark> {
  await initBackend(options.backend);
  let clm: ClmModel;
  if (options.model && options.adapter) clm = loadClmModel(options.model, options.adapter);
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

