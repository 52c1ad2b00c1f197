import { AligndialError } from '../errors.js';
import { describeValue } from '../util/describe-value.js';

/** Architectures whose Hugging Face checkpoints aligndial loads (`model_type` in config.json). */
export type ModelArchitecture = 'llama' | 'qwen2' | 'mistral';
export const SUPPORTED_ARCHITECTURES: readonly ModelArchitecture[] = ['llama', 'qwen2', 'mistral'];

/** RoPE frequency scaling (config.json `rope_scaling`). */
export type RopeScaling =
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositionEmbeddings: number }
  | { type: 'linear'; factor: number };

/**
 * A decoder-only transformer's shape, in Hugging Face's terms but camelCased.
 * Symbols used in the code: D = hiddenSize, F = intermediateSize, H = numHeads,
 * K = numKvHeads (grouped-query attention when K < H), hd = headDim, V = vocabSize.
 */
export interface ModelConfig {
  architecture: ModelArchitecture;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling?: RopeScaling;
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
  /** Biases on q/k/v projections (Qwen2 always; Llama with `attention_bias`). */
  qkvBias: boolean;
  /** Bias on the attention output projection (Llama `attention_bias`). */
  outputBias: boolean;
  /** Biases on the MLP projections (Llama `mlp_bias`). */
  mlpBias: boolean;
  /** Mistral-style sliding-window attention span, or undefined for full attention. */
  slidingWindow?: number;
  bosTokenId?: number;
  eosTokenId?: number | number[];
  padTokenId?: number;
}

type Json = Record<string, unknown>;

/**
 * Upper bounds on config.json sizes, checked before anything is allocated or enumerated: a hostile
 * `num_hidden_layers: 10000000` would otherwise loop and allocate until the heap aborts. Each is well
 * above any released model (e.g. Llama-3.1-405B: 126 layers, hidden 16384, vocab 128256).
 */
export const MODEL_CONFIG_LIMITS = {
  num_hidden_layers: 1024,
  hidden_size: 65_536,
  intermediate_size: 262_144,
  num_attention_heads: 1024,
  num_key_value_heads: 1024,
  head_dim: 4096,
  vocab_size: 4_194_304,
  max_position_embeddings: 16_777_216,
  original_max_position_embeddings: 16_777_216,
} as const;

function fieldError(source: string, field: string, problem: string): AligndialError {
  return new AligndialError(`${source}: field "${field}" ${problem}`);
}

function positiveInt(json: Json, field: string, source: string, fallback?: number): number {
  const value = json[field] ?? fallback;
  if (value === undefined) throw fieldError(source, field, 'is missing');
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw fieldError(source, field, `must be a positive integer, got ${describeValue(value)}`);
  }
  const max = (MODEL_CONFIG_LIMITS as Record<string, number>)[field];
  if (max !== undefined && value > max) {
    throw fieldError(source, field, `is ${value}, above the limit of ${max} (corrupt config.json?)`);
  }
  return value;
}

function positiveNumber(json: Json, field: string, source: string, fallback: number): number {
  const value = json[field] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw fieldError(source, field, `must be a positive number, got ${describeValue(value)}`);
  }
  return value;
}

function optionalTokenId(json: Json, field: string, source: string): number | number[] | undefined {
  const value = json[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) return value as number[];
  throw fieldError(source, field, `must be a token id or a list of ids, got ${describeValue(value)}`);
}

function parseRopeScaling(json: Json, source: string, maxPositions: number): RopeScaling | undefined {
  const raw = json.rope_scaling as Json | null | undefined;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw fieldError(source, 'rope_scaling', `must be an object or null, got ${describeValue(raw)}`);
  const type = (raw.rope_type ?? raw.type) as string | undefined;
  if (type === 'default') return undefined;
  if (type === 'llama3') {
    return {
      type: 'llama3',
      factor: positiveNumber(raw, 'factor', `${source} rope_scaling`, 8),
      lowFreqFactor: positiveNumber(raw, 'low_freq_factor', `${source} rope_scaling`, 1),
      highFreqFactor: positiveNumber(raw, 'high_freq_factor', `${source} rope_scaling`, 4),
      originalMaxPositionEmbeddings: positiveInt(raw, 'original_max_position_embeddings', `${source} rope_scaling`, maxPositions),
    };
  }
  if (type === 'linear') return { type: 'linear', factor: positiveNumber(raw, 'factor', `${source} rope_scaling`, 1) };
  throw fieldError(source, 'rope_scaling', `has type ${describeValue(type)}, which is not supported (supported: llama3, linear, default)`);
}

/**
 * The sliding-window span as transformers applies it: Mistral on every layer; Qwen2 only with
 * `use_sliding_window` and only on layers ≥ `max_window_layers` (default 28) or as `layer_types`
 * says; Llama never. One window for all layers is supported; a mix of full and sliding layers is not.
 */
function parseSlidingWindow(c: Json, architecture: ModelArchitecture, numLayers: number, source: string): number | undefined {
  const window = c.sliding_window;
  if (architecture === 'llama' || window === undefined || window === null) return undefined;
  if (architecture === 'qwen2' && c.use_sliding_window !== true) return undefined;
  if (typeof window !== 'number' || !Number.isInteger(window) || window <= 0) {
    throw fieldError(source, 'sliding_window', `must be a positive integer or null, got ${describeValue(window)}`);
  }
  if (architecture === 'mistral') return window;
  let sliding: boolean[];
  if (Array.isArray(c.layer_types)) {
    sliding = (c.layer_types as unknown[]).map((t) => t === 'sliding_attention');
  } else {
    const fullLayers = c.max_window_layers ?? 28;
    if (typeof fullLayers !== 'number' || !Number.isInteger(fullLayers) || fullLayers < 0) {
      throw fieldError(source, 'max_window_layers', `must be a whole number ≥ 0, got ${describeValue(fullLayers)}`);
    }
    sliding = Array.from({ length: numLayers }, (_, i) => i >= fullLayers);
  }
  if (sliding.every((s) => !s)) return undefined;
  if (sliding.every((s) => s)) return window;
  throw fieldError(
    source,
    'use_sliding_window',
    `with max_window_layers / layer_types mixes full-attention and sliding-window layers, which is not supported (use_sliding_window: false, or sliding attention on every layer)`,
  );
}

/**
 * Reads a Hugging Face `config.json` object. `source` names the file in error messages.
 * Unsupported architectures and invalid fields are AligndialErrors naming the field.
 */
export function parseModelConfig(json: unknown, source = 'config.json'): ModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new AligndialError(`${source}: expected a JSON object`);
  const c = json as Json;
  const modelType = c.model_type;
  if (typeof modelType !== 'string' || !(SUPPORTED_ARCHITECTURES as readonly string[]).includes(modelType)) {
    const name = (v: unknown) => (typeof v === 'string' ? v.slice(0, 100) : describeValue(v));
    const archs = Array.isArray(c.architectures) ? ` (architectures: ${c.architectures.slice(0, 5).map(name).join(', ')})` : '';
    throw new AligndialError(
      `${source}: model_type "${name(modelType)}"${archs} is not supported; aligndial runs ${SUPPORTED_ARCHITECTURES.join(', ')} decoders.`,
    );
  }
  const architecture = modelType as ModelArchitecture;
  const hiddenSize = positiveInt(c, 'hidden_size', source);
  const numHeads = positiveInt(c, 'num_attention_heads', source);
  const numKvHeads = positiveInt(c, 'num_key_value_heads', source, numHeads);
  if (numHeads % numKvHeads !== 0) {
    throw fieldError(source, 'num_key_value_heads', `(${numKvHeads}) must divide num_attention_heads (${numHeads})`);
  }
  const headDimRaw = c.head_dim ?? undefined;
  const headDim = headDimRaw === undefined || headDimRaw === null ? hiddenSize / numHeads : positiveInt(c, 'head_dim', source);
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    throw fieldError(source, 'head_dim', `must be an even integer (hidden_size / num_attention_heads = ${headDim})`);
  }
  const act = c.hidden_act ?? 'silu';
  if (act !== 'silu') throw fieldError(source, 'hidden_act', `${describeValue(act)} is not supported (only silu)`);
  const maxPositionEmbeddings = positiveInt(c, 'max_position_embeddings', source, 2048);
  const numLayers = positiveInt(c, 'num_hidden_layers', source);
  // transformers reads attention_bias / mlp_bias only for Llama; Qwen2 and Mistral ignore them.
  const attentionBias = architecture === 'llama' && c.attention_bias === true;
  return {
    architecture,
    vocabSize: positiveInt(c, 'vocab_size', source),
    hiddenSize,
    intermediateSize: positiveInt(c, 'intermediate_size', source),
    numLayers,
    numHeads,
    numKvHeads,
    headDim,
    rmsNormEps: positiveNumber(c, 'rms_norm_eps', source, 1e-6),
    ropeTheta: positiveNumber(c, 'rope_theta', source, 10000),
    ropeScaling: parseRopeScaling(c, source, maxPositionEmbeddings),
    maxPositionEmbeddings,
    tieWordEmbeddings: c.tie_word_embeddings === true,
    qkvBias: architecture === 'qwen2' ? true : attentionBias,
    outputBias: architecture === 'qwen2' ? false : attentionBias,
    mlpBias: architecture === 'llama' && c.mlp_bias === true,
    slidingWindow: parseSlidingWindow(c, architecture, numLayers, source),
    bosTokenId: optionalTokenId(c, 'bos_token_id', source) as number | undefined,
    eosTokenId: optionalTokenId(c, 'eos_token_id', source),
    padTokenId: optionalTokenId(c, 'pad_token_id', source) as number | undefined,
  };
}

/** Writes a config back in Hugging Face's `config.json` layout. */
export function toHfConfig(config: ModelConfig): Record<string, unknown> {
  const archClass = { llama: 'LlamaForCausalLM', qwen2: 'Qwen2ForCausalLM', mistral: 'MistralForCausalLM' }[config.architecture];
  const out: Record<string, unknown> = {
    architectures: [archClass],
    model_type: config.architecture,
    hidden_size: config.hiddenSize,
    intermediate_size: config.intermediateSize,
    num_hidden_layers: config.numLayers,
    num_attention_heads: config.numHeads,
    num_key_value_heads: config.numKvHeads,
    head_dim: config.headDim,
    vocab_size: config.vocabSize,
    max_position_embeddings: config.maxPositionEmbeddings,
    rms_norm_eps: config.rmsNormEps,
    rope_theta: config.ropeTheta,
    hidden_act: 'silu',
    tie_word_embeddings: config.tieWordEmbeddings,
    torch_dtype: 'float32',
  };
  if (config.architecture === 'llama') {
    out.attention_bias = config.qkvBias;
    out.mlp_bias = config.mlpBias;
  }
  if (config.ropeScaling?.type === 'llama3') {
    const s = config.ropeScaling;
    out.rope_scaling = {
      rope_type: 'llama3',
      factor: s.factor,
      low_freq_factor: s.lowFreqFactor,
      high_freq_factor: s.highFreqFactor,
      original_max_position_embeddings: s.originalMaxPositionEmbeddings,
    };
  } else if (config.ropeScaling?.type === 'linear') {
    out.rope_scaling = { rope_type: 'linear', factor: config.ropeScaling.factor };
  }
  if (config.slidingWindow !== undefined) {
    out.sliding_window = config.slidingWindow;
    if (config.architecture === 'qwen2') {
      out.use_sliding_window = true;
      out.max_window_layers = 0; // every layer slides (transformers' default, 28, would keep the first 28 full)
    }
  }
  if (config.bosTokenId !== undefined) out.bos_token_id = config.bosTokenId;
  if (config.eosTokenId !== undefined) out.eos_token_id = config.eosTokenId;
  if (config.padTokenId !== undefined) out.pad_token_id = config.padTokenId;
  return out;
}

/** Parameter count of a model with this config (embeddings counted once when tied). */
export function countParameters(config: ModelConfig): number {
  const { hiddenSize: D, intermediateSize: F, numHeads: H, numKvHeads: K, headDim: hd, vocabSize: V } = config;
  const qkv = D * (H + 2 * K) * hd + (config.qkvBias ? (H + 2 * K) * hd : 0);
  const o = H * hd * D + (config.outputBias ? D : 0);
  const mlp = 3 * D * F + (config.mlpBias ? 2 * F + D : 0);
  const perLayer = qkv + o + mlp + 2 * D;
  return V * D * (config.tieWordEmbeddings ? 1 : 2) + config.numLayers * perLayer + D;
}

/**
 * Every parameter's element count by the name `Transformer.parameters()` gives it (`embed`,
 * `layers.{i}.{field}`, `norm`, `lmHead`), from the config alone (before any weight is read).
 */
export function parameterSizes(config: ModelConfig): Map<string, number> {
  const { hiddenSize: D, intermediateSize: F, numHeads: H, numKvHeads: K, headDim: hd, vocabSize: V } = config;
  const out = new Map<string, number>([['embed', V * D]]);
  for (let i = 0; i < config.numLayers; i++) {
    const layer: [string, number, boolean][] = [
      ['inputNorm', D, true],
      ['wqkv', D * (H + 2 * K) * hd, true],
      ['bqkv', (H + 2 * K) * hd, config.qkvBias],
      ['wo', H * hd * D, true],
      ['bo', D, config.outputBias],
      ['postNorm', D, true],
      ['wGateUp', 2 * D * F, true],
      ['bGateUp', 2 * F, config.mlpBias],
      ['wDown', F * D, true],
      ['bDown', D, config.mlpBias],
    ];
    for (const [name, size, present] of layer) if (present) out.set(`layers.${i}.${name}`, size);
  }
  out.set('norm', D);
  if (!config.tieWordEmbeddings) out.set('lmHead', D * V);
  return out;
}
