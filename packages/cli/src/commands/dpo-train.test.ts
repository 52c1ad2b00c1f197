import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer, initBackend, loadModel, saveModel, saveTokenizer } from '@aligndial/core';
import { configForShape, createRandomModel, createSyntheticTokenizerJson } from '@aligndial/core/testing';
import { readMetricsLog } from '@aligndial/dpo';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';

process.env.ALIGNDIAL_PROGRESS = '0';

let modelDir: string;
let dataFile: string;

beforeAll(async () => {
  await initBackend('wasm');
  const root = mkdtempSync(join(tmpdir(), 'cli-dpo-'));
  modelDir = join(root, 'model');
  const model = createRandomModel(configForShape('tiny'), { seed: 1 });
  saveModel(model, modelDir);
  model.dispose();
  const { tokenizerJson, tokenizerConfig } = createSyntheticTokenizerJson(300);
  saveTokenizer(modelDir, tokenizerJson, tokenizerConfig);
  dataFile = join(root, 'prefs.jsonl');
  const rows = Array.from({ length: 6 }, (_, i) => ({
    prompt: [{ role: 'user', content: `Count from ${i}.` }],
    chosen: [{ role: 'assistant', content: `${i} ${i + 1} ${i + 2}` }],
    rejected: [{ role: 'assistant', content: 'No.' }],
  }));
  writeFileSync(dataFile, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n{"prompt": "broken"}\n`);
});

describe('aligndial dpo train', () => {
  it('trains, saves a loadable HF directory with metrics.jsonl, skips invalid rows, and resumes', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cli-dpo-out-')), 'run');
    const args = ['--model', modelDir, '--data', dataFile, '--out', out, '--trainable', 'bottom:1', '--loss', 'sigmoid,sft', '--loss-weights', '1,0.2'];
    const common = [...args, '--lr', '1e-3', '--batch-size', '2', '--max-length', '48', '--save-steps', '2', '--skip-invalid'];
    let stdout = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      stdout += chunk;
      return true;
    }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await runCli(['node', 'aligndial', 'dpo', 'train', ...common, '--epochs', '1', '--json']);
    } finally {
      process.stdout.write = write;
    }
    expect(code).toBe(0);
    // --json: exactly one JSON object on stdout.
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ steps: 3, trainPairs: 6, skippedRows: 1 });
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'metrics.jsonl', 'dpo_config.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const lines = readMetricsLog(join(out, 'metrics.jsonl'));
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3]);
    expect(lines[0]).toHaveProperty(['loss/sft']);
    expect(lines[0]).toHaveProperty(['rewards/accuracies']);
    const reloaded = loadModel(out);
    expect(reloaded.layers).toHaveLength(2);
    reloaded.dispose();
    expect(Tokenizer.fromDir(out).encode('hi').length).toBeGreaterThan(0);
    // A second run in the same directory must be asked to resume.
    expect(await runCli(['node', 'aligndial', 'dpo', 'train', ...common])).toBe(1);
    // Resuming a finished run keeps its metrics and ends at the same step.
    expect(await runCli(['node', 'aligndial', 'dpo', 'train', ...common, '--resume'])).toBe(0);
    expect(readMetricsLog(join(out, 'metrics.jsonl')).map((l) => l.step)).toEqual([1, 2, 3]);
    expect(JSON.parse(readFileSync(join(out, 'dpo_config.json'), 'utf8')).trainable).toBe('bottom:1');
  });
});
