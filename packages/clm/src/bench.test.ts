import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, saveModel } from '@aligndial/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandModel, saveAdapter } from './adapter.js';
import { benchmarkClmDecode, runClmDecodeBenchmark } from './bench-decode.js';
import { tinyModel } from './testing/fixtures.js';

beforeAll(async () => {
  await initBackend('wasm');
});

// Smoke test on the tiny shape: the numbers themselves come from `aligndial bench decode --adapter`.
describe('benchmarks', () => {
  it('decode: base, CLM λ = 1 (one path), CLM λ (dual path) and DeRa, with ratios', async () => {
    const clm = expandModel(tinyModel(51));
    const labels: string[] = [];
    const result = await benchmarkClmDecode(clm, { tokens: 4, prompt: 5, warmup: 1, rounds: 1, lambda: 0.5, onRun: (l) => labels.push(l) });
    expect(result.runs.map((r) => [r.mode, r.lambda])).toEqual([
      ['base', undefined],
      ['clm', 1],
      ['clm', 0.5],
      ['dera', 0.5],
    ]);
    expect(labels).toHaveLength(4);
    expect(result.runs.every((r) => r.decodeTokensPerSecond > 0 && r.msPerToken > 0)).toBe(true);
    expect(result.dualOverSingle).toBeCloseTo(result.runs[2].msPerToken / result.runs[1].msPerToken, 10);
    expect(result.model).toEqual({ baseLayers: 2, addedLayers: 1, hiddenSize: 32, vocabSize: 300 });
    clm.dispose();
    const random = await runClmDecodeBenchmark({ shape: 'tiny', layers: 2, tokens: 2, prompt: 3, warmup: 0, rounds: 1, dera: false });
    expect(random.runs).toHaveLength(3);
    expect(Number.isNaN(random.deraOverSingle)).toBe(true);
  });

  it('decode from a model directory + adapter holds the base in the storage asked for (and says so)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clm-bench-'));
    try {
      const base = tinyModel(52);
      saveModel(base, join(dir, 'model'));
      const clm = expandModel(base);
      saveAdapter(clm, join(dir, 'adapter'));
      clm.dispose();
      const options = { model: join(dir, 'model'), adapter: join(dir, 'adapter'), tokens: 2, prompt: 3, warmup: 0, rounds: 1, dera: false };
      expect((await runClmDecodeBenchmark({ ...options, weights: 'bf16' })).weights).toBe('bf16');
      expect((await runClmDecodeBenchmark({ ...options, weights: 'int8' })).weights).toBe('int8');
      expect((await runClmDecodeBenchmark(options)).weights).toBe('tfjs');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
