import { describe, expect, it } from 'vitest';
import { AligndialError } from '../errors.js';
import { countParameters, parseModelConfig, toHfConfig } from './config.js';
import { expectedHfTensors } from './hf-layout.js';

const llama = {
  model_type: 'llama',
  hidden_size: 32,
  intermediate_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  vocab_size: 300,
};

function parseError(json: unknown): AligndialError {
  try {
    parseModelConfig(json, 'm/config.json');
  } catch (error) {
    expect(error).toBeInstanceOf(AligndialError);
    return error as AligndialError;
  }
  throw new Error('expected parseModelConfig to throw');
}

describe('parseModelConfig', () => {
  it('reads a Llama config with transformers defaults', () => {
    const c = parseModelConfig(llama);
    expect(c).toMatchObject({
      architecture: 'llama',
      headDim: 8,
      rmsNormEps: 1e-6,
      ropeTheta: 10000,
      maxPositionEmbeddings: 2048,
      tieWordEmbeddings: false,
      qkvBias: false,
      outputBias: false,
      mlpBias: false,
      slidingWindow: undefined,
      ropeScaling: undefined,
    });
    expect(parseModelConfig({ ...llama, num_key_value_heads: null }).numKvHeads).toBe(4);
    expect(parseModelConfig({ ...llama, head_dim: null }).headDim).toBe(8);
    expect(parseModelConfig({ ...llama, head_dim: 16 }).headDim).toBe(16);
  });

  it('names an unsupported model_type and the architectures', () => {
    const e = parseError({ ...llama, model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] });
    expect(e.message).toMatch(/^m\/config\.json: model_type "gpt2" \(architectures: GPT2LMHeadModel\) is not supported; aligndial runs llama, qwen2, mistral/);
    expect(parseError({ ...llama, model_type: undefined }).message).toMatch(/model_type "undefined"/);
    expect(parseError([1]).message).toMatch(/expected a JSON object/);
    expect(parseError(null).message).toMatch(/expected a JSON object/);
  });

  it.each([
    ['hidden_size', 'abc', /field "hidden_size" must be a positive integer, got "abc"/],
    ['hidden_size', undefined, /field "hidden_size" is missing/],
    ['vocab_size', 0, /field "vocab_size" must be a positive integer, got 0/],
    ['num_hidden_layers', 1.5, /field "num_hidden_layers" must be a positive integer, got 1\.5/],
    ['intermediate_size', -4, /field "intermediate_size" must be a positive integer/],
    ['rms_norm_eps', 'tiny', /field "rms_norm_eps" must be a positive number, got "tiny"/],
    ['rope_theta', -1, /field "rope_theta" must be a positive number/],
    ['head_dim', 7, /field "head_dim" must be an even integer/],
    ['hidden_act', 'gelu', /field "hidden_act" "gelu" is not supported \(only silu\)/],
    ['eos_token_id', 'x', /field "eos_token_id" must be a token id or a list of ids/],
    ['num_hidden_layers', 10_000_000, /field "num_hidden_layers" is 10000000, above the limit of 1024/],
    ['vocab_size', 1e9, /field "vocab_size" is 1000000000, above the limit of 4194304/],
    ['hidden_size', 1 << 20, /field "hidden_size" is 1048576, above the limit of 65536/],
    ['max_position_embeddings', 2 ** 40, /field "max_position_embeddings" is 1099511627776, above the limit/],
    ['rope_scaling', 'yes', /field "rope_scaling" must be an object or null, got "yes"/],
  ])('names the bad field %s = %j', (field, value, pattern) => {
    expect(parseError({ ...llama, [field]: value }).message).toMatch(pattern);
  });

  it('a 50k-deep value gives a short message, not a stack overflow', () => {
    const deep = JSON.parse(`${'['.repeat(50_000)}${']'.repeat(50_000)}`);
    expect(parseError({ ...llama, hidden_size: deep }).message).toMatch(/field "hidden_size" must be a positive integer, got \[\[\[/);
    expect(parseError({ ...llama, model_type: deep, architectures: deep }).message).toMatch(/model_type "\[\[\[.*is not supported/);
  });

  it('rejects hidden_size not divisible by the heads (without head_dim)', () => {
    expect(parseError({ ...llama, hidden_size: 30 }).message).toMatch(/field "head_dim" must be an even integer \(hidden_size \/ num_attention_heads = 7\.5\)/);
  });

  it('rejects num_key_value_heads that does not divide num_attention_heads', () => {
    expect(parseError({ ...llama, num_key_value_heads: 3 }).message).toMatch(
      /m\/config\.json: field "num_key_value_heads" \(3\) must divide num_attention_heads \(4\)/,
    );
  });

  it('reads rope_scaling llama3 / linear / default and rejects unknown types', () => {
    expect(
      parseModelConfig({
        ...llama,
        rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
      }).ropeScaling,
    ).toEqual({ type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 });
    expect(parseModelConfig({ ...llama, rope_scaling: { type: 'linear', factor: 2 } }).ropeScaling).toEqual({ type: 'linear', factor: 2 });
    expect(parseModelConfig({ ...llama, rope_scaling: { rope_type: 'default' } }).ropeScaling).toBeUndefined();
    expect(parseModelConfig({ ...llama, rope_scaling: null }).ropeScaling).toBeUndefined();
    expect(parseError({ ...llama, rope_scaling: { rope_type: 'yarn', factor: 4 } }).message).toMatch(
      /field "rope_scaling" has type "yarn", which is not supported \(supported: llama3, linear, default\)/,
    );
    expect(parseError({ ...llama, rope_scaling: { type: 'linear', factor: 0 } }).message).toMatch(/rope_scaling: field "factor" must be a positive number/);
  });

  it('biases: Qwen2 always has q/k/v biases; attention_bias and mlp_bias are Llama-only (as in transformers)', () => {
    expect(parseModelConfig({ ...llama, model_type: 'qwen2' })).toMatchObject({ qkvBias: true, outputBias: false, mlpBias: false });
    expect(parseModelConfig({ ...llama, attention_bias: true, mlp_bias: true })).toMatchObject({ qkvBias: true, outputBias: true, mlpBias: true });
    // Qwen2MLP / MistralAttention / MistralMLP are built with bias=False whatever the config says.
    expect(parseModelConfig({ ...llama, model_type: 'qwen2', attention_bias: true, mlp_bias: true })).toMatchObject({ qkvBias: true, outputBias: false, mlpBias: false });
    expect(parseModelConfig({ ...llama, model_type: 'mistral', attention_bias: true, mlp_bias: true })).toMatchObject({ qkvBias: false, outputBias: false, mlpBias: false });
  });

  it('sliding windows: Mistral always, Qwen2 only when enabled and on every layer, Llama never', () => {
    expect(parseModelConfig({ ...llama, model_type: 'mistral', sliding_window: 4096 }).slidingWindow).toBe(4096);
    expect(parseModelConfig({ ...llama, model_type: 'mistral', sliding_window: null }).slidingWindow).toBeUndefined();
    expect(parseModelConfig({ ...llama, use_sliding_window: true, sliding_window: 4 }).slidingWindow).toBeUndefined();
    const qwen = { ...llama, model_type: 'qwen2', sliding_window: 4 };
    expect(parseModelConfig({ ...qwen, use_sliding_window: false, max_window_layers: 0 }).slidingWindow).toBeUndefined();
    expect(parseModelConfig({ ...qwen, use_sliding_window: true, max_window_layers: 0 }).slidingWindow).toBe(4);
    // transformers: the first max_window_layers (default 28) layers use full attention.
    expect(parseModelConfig({ ...qwen, use_sliding_window: true }).slidingWindow).toBeUndefined();
    expect(parseModelConfig({ ...qwen, use_sliding_window: true, max_window_layers: 2 }).slidingWindow).toBeUndefined();
    expect(parseModelConfig({ ...qwen, use_sliding_window: true, layer_types: ['sliding_attention', 'sliding_attention'] }).slidingWindow).toBe(4);
    expect(parseError({ ...qwen, use_sliding_window: true, max_window_layers: 1 }).message).toMatch(/mixes full-attention and sliding-window layers, which is not supported/);
    expect(parseError({ ...llama, model_type: 'mistral', sliding_window: 'big' }).message).toMatch(/field "sliding_window" must be a positive integer or null/);
  });

  it('toHfConfig round-trips through parseModelConfig', () => {
    const variants = [
      { ...llama, tie_word_embeddings: true, attention_bias: true, mlp_bias: true, rope_scaling: { type: 'linear', factor: 2 }, bos_token_id: 1, eos_token_id: [2, 3] },
      { ...llama, head_dim: 16, rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 } },
      { ...llama, model_type: 'qwen2', use_sliding_window: true, sliding_window: 3, max_window_layers: 0 },
      { ...llama, model_type: 'mistral', sliding_window: 4, pad_token_id: 0 },
    ];
    for (const json of variants) {
      const config = parseModelConfig(json);
      expect(parseModelConfig(toHfConfig(config))).toEqual(config);
    }
  });

  it('countParameters equals the sum of the expected tensors (tied counted once)', () => {
    for (const json of [llama, { ...llama, tie_word_embeddings: true, attention_bias: true, mlp_bias: true }, { ...llama, model_type: 'qwen2', head_dim: 16 }]) {
      const config = parseModelConfig(json);
      const total = expectedHfTensors(config).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
      expect(countParameters(config)).toBe(total);
    }
  });
});
