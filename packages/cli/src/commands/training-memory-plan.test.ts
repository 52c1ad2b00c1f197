import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, saveModel, saveTokenizer } from '@aligndial/core';
import { configForShape, createRandomModel, createSyntheticTokenizerJson } from '@aligndial/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../testing/run-cli-captured.js';

let tinyDir: string;
let bigDir: string;
let dataFile: string;

// The Qwen2.5-0.5B shape: the plan refuses it before reading any weight, so its weights file can be a stub.
const QWEN_05B = {
  architectures: ['Qwen2ForCausalLM'],
  model_type: 'qwen2',
  hidden_size: 896,
  intermediate_size: 4864,
  num_hidden_layers: 24,
  num_attention_heads: 14,
  num_key_value_heads: 2,
  vocab_size: 151936,
  max_position_embeddings: 32768,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000,
  tie_word_embeddings: true,
  bos_token_id: 1,
  eos_token_id: 2,
};

beforeAll(async () => {
  await initBackend('wasm');
  const root = mkdtempSync(join(tmpdir(), 'cli-memory-plan-'));
  tinyDir = join(root, 'tiny');
  const model = createRandomModel(configForShape('tiny'), { seed: 1 });
  saveModel(model, tinyDir);
  model.dispose();
  const { tokenizerJson, tokenizerConfig } = createSyntheticTokenizerJson(300);
  saveTokenizer(tinyDir, tokenizerJson, tokenizerConfig);
  bigDir = join(root, 'qwen-shape');
  saveTokenizer(bigDir, tokenizerJson, tokenizerConfig);
  writeFileSync(join(bigDir, 'config.json'), JSON.stringify(QWEN_05B));
  writeFileSync(join(bigDir, 'model.safetensors'), 'never read');
  dataFile = join(root, 'prefs.jsonl');
  const words = Array.from({ length: 120 }, (_, i) => `w${i}`).join(' ');
  const rows = Array.from({ length: 4 }, (_, i) => ({ prompt: `Say ${words} ${i}`, chosen: `${words} yes`, rejected: `${words} no` }));
  writeFileSync(dataFile, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
});

describe('the training memory plan in dpo train, clm train and clm distill', () => {
  it('refuses up front, with one line, exit code 1 and the largest batch that fits, a run that cannot fit', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cli-memory-plan-out-')), 'run');
    const run = await runCliCaptured(['dpo', 'train', '--model', bigDir, '--data', dataFile, '--out', out, '--trainable', 'all', '--batch-size', '4', '--gradient-checkpointing', 'off', '--backend', 'wasm']);
    expect(run.code).toBe(1);
    const [error, hint, ...rest] = run.stderr.trim().split('\n');
    expect(error).toMatch(/^aligndial: error: training 4 pair\(s\) × \d+ tokens per micro-batch needs about .* GiB but 3\.60 GiB is available in the wasm heap: 4 GiB less headroom \(weights .* \+ activations .*checkpointing off\)\); (the largest that fits|no batch fits: weights, optimizer state and the optimizer step alone need)/);
    expect(hint).toMatch(/^hint: Try --gradient-checkpointing on/);
    expect(rest).toEqual([]);
    expect(run.stderr).not.toMatch(/internal error|at .*\.ts/);
  });

  it('clm distill refuses a DeRa distillation into a whole Qwen2.5-0.5B the same way, before reading any weight', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cli-memory-plan-out-')), 'run');
    const run = await runCliCaptured(['clm', 'distill', '--model', bigDir, '--aligned-model', bigDir, '--lambda', '0.5', '--data', dataFile, '--out', out, '--batch-size', '4', '--gradient-checkpointing', 'off', '--backend', 'wasm']);
    expect(run.code).toBe(1);
    const [error, hint, ...rest] = run.stderr.trim().split('\n');
    expect(error).toMatch(/^aligndial: error: distilling 4 sequence\(s\) × \d+ tokens per step needs about .* GiB but 3\.60 GiB is available in the wasm heap/);
    expect(hint).toMatch(/^hint: Try --gradient-checkpointing on/);
    expect(rest).toEqual([]);
    expect(run.stderr).not.toMatch(/internal error|at .*\.ts|never read/);
  });

  it('prints the plan and records it (with the checkpointing decision) in the summary', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cli-memory-plan-out-')), 'run');
    const args = ['--model', tinyDir, '--data', dataFile, '--out', out, '--max-steps', '1', '--batch-size', '2', '--max-length', '64', '--save-steps', '0', '--backend', 'wasm', '--json'];
    const auto = await runCliCaptured(['clm', 'train', ...args]);
    expect(auto.code).toBe(0);
    expect(auto.stderr).toMatch(/memory plan: .*checkpointing off\)/);
    expect(JSON.parse(auto.stdout.trim().split('\n').at(-1)!).memoryPlan).toMatchObject({ checkpointing: false, rows: 4 });
    const on = await runCliCaptured(['dpo', 'train', ...args.map((a) => (a === out ? `${out}-on` : a)), '--gradient-checkpointing', 'on']);
    expect(on.code).toBe(0);
    expect(JSON.parse(on.stdout.trim().split('\n').at(-1)!).memoryPlan).toMatchObject({ checkpointing: true });
  });
});
