/**
 * Regenerates packages/core/src/model/fixtures/*.json: logits of small seeded random models of each
 * supported Hugging Face architecture variant, computed by the independent numpy reference
 * (scripts/reference_forward.py). Run from the repository root:
 *
 *   node_modules/.bin/tsx packages/core/scripts/make-arch-fixtures.ts
 *
 * Needs python3 with numpy. The weights come from createRandomModel(config, {seed, initStd, biasStd})
 * and are written with saveModel; config.json is then replaced by the hand-written Hugging Face config
 * below, so the reference reads the original config and not aligndial's parse of it. Each fixture also
 * records how much the logits move when the reference switches off the feature it tests (`sensitivity`),
 * which must be far above the test's 1e-4 tolerance.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, parseModelConfig, saveModel } from '../src/index.js';
import { createRandomModel } from '../src/testing.js';

const here = dirname(fileURLToPath(import.meta.url));
const script = join(here, 'reference_forward.py');
const outDir = resolve(here, '../src/model/fixtures');

interface Spec {
  name: string;
  description: string;
  config: Record<string, unknown>;
  seed: number;
  ids: number[];
  positions: number[];
  /** Features of the reference to switch off to measure the fixture's sensitivity. */
  sensitivity: string[];
}

const base = { hidden_size: 32, intermediate_size: 48, num_hidden_layers: 2, vocab_size: 64, max_position_embeddings: 128, rms_norm_eps: 1e-6 };
const ids = [1, 17, 42, 5, 63, 8, 30, 30, 12, 50, 3, 21];

const specs: Spec[] = [
  {
    name: 'qwen2-qkv-bias-tied',
    description: 'Qwen2: q/k/v biases, no o_proj bias, tied embeddings, GQA 4/2; use_sliding_window false so sliding_window 4 must be ignored.',
    config: { architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', ...base, num_attention_heads: 4, num_key_value_heads: 2, rope_theta: 10000, tie_word_embeddings: true, use_sliding_window: false, sliding_window: 4, max_window_layers: 0 },
    seed: 101,
    ids,
    positions: [0, 3, 7, 11],
    sensitivity: ['bias', 'gqa_order'],
  },
  {
    name: 'qwen2-sliding-window',
    description: 'Qwen2 with use_sliding_window true and max_window_layers 0: a window of 3 on every layer; untied head.',
    config: { architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', ...base, num_attention_heads: 4, num_key_value_heads: 2, rope_theta: 10000, tie_word_embeddings: false, use_sliding_window: true, sliding_window: 3, max_window_layers: 0 },
    seed: 102,
    ids,
    positions: [0, 2, 6, 11],
    sensitivity: ['sliding_window', 'bias'],
  },
  {
    name: 'mistral-sliding-window',
    description: 'Mistral: sliding_window 4 over 10 tokens, multi-query attention (1 kv head), untied head, head_dim null.',
    config: { architectures: ['MistralForCausalLM'], model_type: 'mistral', ...base, num_attention_heads: 4, num_key_value_heads: 1, head_dim: null, rope_theta: 10000, tie_word_embeddings: false, sliding_window: 4 },
    seed: 103,
    ids: ids.slice(0, 10),
    positions: [0, 3, 4, 9],
    sensitivity: ['sliding_window'],
  },
  {
    name: 'llama-rope-llama3-untied',
    description: 'Llama: rope_scaling llama3 (factor 8, low 1, high 4, original 64), head_dim 16 ≠ hidden/heads (8), GQA 4/2, untied lm_head.',
    config: {
      architectures: ['LlamaForCausalLM'], model_type: 'llama', ...base, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 16, rope_theta: 10000,
      rope_scaling: { rope_type: 'llama3', factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 64 },
      tie_word_embeddings: false, attention_bias: false, mlp_bias: false,
    },
    seed: 104,
    ids,
    positions: [0, 5, 9, 11],
    sensitivity: ['rope_scaling', 'gqa_order'],
  },
  {
    name: 'llama-attention-mlp-bias',
    description: 'Llama: attention_bias (q/k/v/o) and mlp_bias, legacy rope_scaling {type: linear, factor 2}, tied embeddings.',
    config: {
      architectures: ['LlamaForCausalLM'], model_type: 'llama', ...base, num_attention_heads: 4, num_key_value_heads: 4, rope_theta: 500,
      rope_scaling: { type: 'linear', factor: 2.0 }, tie_word_embeddings: true, attention_bias: true, mlp_bias: true,
    },
    seed: 105,
    ids,
    positions: [0, 4, 8, 11],
    sensitivity: ['bias', 'rope_scaling'],
  },
];

const initStd = 0.2;
const biasStd = 0.1;

function reference(dir: string, spec: Spec, disable?: string): number[][] {
  const args = [script, dir, '--ids', spec.ids.join(','), '--positions', spec.positions.join(',')];
  if (disable) args.push('--disable', disable);
  return JSON.parse(execFileSync('python3', args, { encoding: 'utf8' })).logits;
}

const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i][j]))));

await initBackend('wasm');
const tmp = mkdtempSync(join(tmpdir(), 'aligndial-fixtures-'));
try {
  for (const spec of specs) {
    const config = parseModelConfig(spec.config, spec.name);
    const model = createRandomModel(config, { seed: spec.seed, initStd, biasStd });
    const dir = join(tmp, spec.name);
    saveModel(model, dir);
    model.dispose();
    writeFileSync(join(dir, 'config.json'), JSON.stringify(spec.config, null, 2));
    const logits = reference(dir, spec);
    const sensitivity = Object.fromEntries(spec.sensitivity.map((f) => [f, Number(maxDiff(logits, reference(dir, spec, f)).toFixed(4))]));
    const fixture = {
      description: spec.description,
      generatedBy: 'packages/core/scripts/make-arch-fixtures.ts (reference: scripts/reference_forward.py, float64 numpy)',
      config: spec.config,
      random: { seed: spec.seed, initStd, biasStd },
      inputIds: spec.ids,
      positions: spec.positions,
      logits: logits.map((row) => row.map((v) => Number(v.toFixed(6)))),
      sensitivity,
    };
    writeFileSync(join(outDir, `${spec.name}.json`), `${JSON.stringify(fixture)}\n`);
    console.log(spec.name, 'sensitivity', JSON.stringify(sensitivity));
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
