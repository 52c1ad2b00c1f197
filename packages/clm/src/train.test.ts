import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, loadModel, tf } from '@aligndial/core';
import { listCheckpoints } from '@aligndial/core/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAdapterManifest } from './adapter-manifest.js';
import { expandModel, exportMergedModel, saveAdapter } from './adapter.js';
import { createClmTrainer, trainClm } from './train.js';
import { maxAbsDiff, tinyModel } from './testing/fixtures.js';
import { embeddingDirectionRule, ruleReward } from './testing/preference-rule.js';

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'clm-train-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const snapshot = (vars: Map<string, tf.Variable>) => new Map([...vars].map(([k, v]) => [k, v.dataSync().slice() as Float32Array]));
const changed = (a: Float32Array, b: Float32Array) => a.some((x, i) => x !== b[i]);

describe('CLM training (only the added layers, reference = the λ = 0 path)', () => {
  it('on a synthetic preference rule, the rule reward of greedy outputs rises with λ: 0 → 0.5 → 1 (interpolation) → 1.5 → 2 (extrapolation)', async () => {
    const base = tinyModel(5);
    const clm = expandModel(base);
    const rule = embeddingDirectionRule(clm.model, { size: 100, pairs: 64, prompts: 64, seed: 1 });
    const lambdas = [0, 0.5, 1, 1.5, 2];
    const before = await Promise.all(lambdas.map((l) => ruleReward(clm, rule, l)));
    expect(new Set(before).size).toBe(1); // an untrained identity layer changes nothing at any λ

    const result = await trainClm(clm, {
      train: rule.pairs,
      config: { beta: 0.1, learningRate: 1e-4, batchSize: 8, maxSteps: 32, lrSchedulerType: 'constant', seed: 1 },
    });
    expect(result.step).toBe(32);
    const rewards: number[] = [];
    for (const l of lambdas) rewards.push(await ruleReward(clm, rule, l));
    console.log(`rule reward of greedy outputs by λ (after 32 CLM steps): ${lambdas.map((l, i) => `λ=${l}: ${rewards[i].toFixed(3)}`).join(', ')}`);
    expect(rewards[0]).toBe(before[0]); // λ = 0 is the untouched base
    for (let i = 1; i < lambdas.length; i++) expect(rewards[i]).toBeGreaterThan(rewards[i - 1]);
    expect(clm.origin.training).toMatchObject({ method: 'clm-dpo', lossType: 'sigmoid', beta: 0.1, learningRate: 1e-4, steps: 32, trainPairs: 64 });
    clm.dispose();
  });

  it('updates only the added layers: λ = 0 equals the base model after training, λ = 1 equals the exported checkpoint', async () => {
    const clm = expandModel(tinyModel(8, { qkvBias: true, outputBias: true, mlpBias: true }), { layers: 2 });
    const rule = embeddingDirectionRule(clm.model, { size: 100, pairs: 16, prompts: 4, seed: 2 });
    const baseBefore = snapshot(clm.reference.parameters());
    const addedBefore = snapshot(clm.addedParameters());
    const trainer = createClmTrainer(clm, { train: rule.pairs, config: { beta: 0.1, learningRate: 1e-3, batchSize: 4, maxSteps: 4, lossType: 'ipo' } });
    expect([...trainer.trainable.keys()]).toEqual([...clm.addedParameters().keys()]);
    await trainer.train();
    trainer.dispose();
    for (const [name, v] of clm.reference.parameters()) expect(changed(v.dataSync() as Float32Array, baseBefore.get(name)!)).toBe(false);
    expect([...clm.addedParameters()].every(([name, v]) => changed(v.dataSync() as Float32Array, addedBefore.get(name)!))).toBe(true);

    const freshBase = tinyModel(8, { qkvBias: true, outputBias: true, mlpBias: true });
    const ids = [rule.prompts[0], rule.prompts[1]];
    expect(maxAbsDiff(clm.forward(ids, { lambda: 0 }), freshBase.forward(ids))).toBeLessThan(1e-6);
    expect(maxAbsDiff(clm.forward(ids, { lambda: 1 }), freshBase.forward(ids))).toBeGreaterThan(1e-4);
    freshBase.dispose();

    const out = join(dir, 'exported');
    exportMergedModel(clm, out);
    const merged = loadModel(out);
    expect(maxAbsDiff(merged.forward(ids), clm.forward(ids, { lambda: 1 }))).toBeLessThan(1e-6);
    merged.dispose();
    clm.dispose();
  });

  it('checkpoints and resumes exactly, and the saved adapter records the training run', async () => {
    const make = () => expandModel(tinyModel(9));
    const ruleModel = tinyModel(9);
    const rule = embeddingDirectionRule(ruleModel, { size: 100, pairs: 24, prompts: 2, seed: 3 });
    ruleModel.dispose();
    const config = { beta: 0.1, learningRate: 1e-3, batchSize: 4, maxSteps: 4, saveSteps: 1, seed: 3 };

    const straight = make();
    await trainClm(straight, { train: rule.pairs, config });
    const outDir = join(dir, 'resumed');
    const interrupted = make();
    const first = createClmTrainer(interrupted, { train: rule.pairs, config, outputDir: outDir });
    await first.train({ stopAtStep: 2 });
    first.dispose();
    interrupted.dispose();
    expect(listCheckpoints(outDir).length).toBeGreaterThan(0);

    const resumed = make();
    const result = await trainClm(resumed, { train: rule.pairs, config, outputDir: outDir }, { resume: true, record: { data: 'synthetic' } });
    expect(result.resumedFrom).toMatch(/checkpoint-2$/);
    for (const [name, v] of resumed.addedParameters()) expect(maxAbsDiff(v, straight.addedParameters().get(name)!)).toBeLessThan(1e-6);

    saveAdapter(resumed, outDir);
    expect(readAdapterManifest(outDir).training).toMatchObject({ method: 'clm-dpo', steps: 4, data: 'synthetic' });
    straight.dispose();
    resumed.dispose();
  });

  it('logTensorNorms: identity init — step 1 moves only o_proj/down_proj (wo, wDown); the rest get a gradient from step 2', async () => {
    const clm = expandModel(tinyModel(10));
    const rule = embeddingDirectionRule(clm.model, { size: 100, pairs: 16, prompts: 2, seed: 4 });
    const outDir = join(dir, 'norms');
    const trainer = createClmTrainer(clm, { train: rule.pairs, config: { beta: 0.1, learningRate: 1e-3, batchSize: 4, maxSteps: 3, lrSchedulerType: 'constant' }, outputDir: outDir, logTensorNorms: true });
    const result = await trainer.train();
    trainer.dispose();
    const [first, second] = result.log;
    for (const name of ['wo', 'wDown']) {
      expect(first[`grad_norm/layers.0.${name}`]).toBeGreaterThan(0);
      expect(first[`update_norm/layers.0.${name}`]).toBeGreaterThan(0);
    }
    for (const name of ['wqkv', 'wGateUp']) {
      // Zero o_proj / down_proj block every path from q/k/v and gate/up to the loss.
      expect(first[`grad_norm/layers.0.${name}`]).toBe(0);
      expect(first[`update_norm/layers.0.${name}`]).toBe(0);
      expect(second[`grad_norm/layers.0.${name}`]).toBeGreaterThan(0);
      expect(second[`update_norm/layers.0.${name}`]).toBeGreaterThan(0);
    }
    expect(first['param_norm/layers.0.wo']).toBeCloseTo(first['update_norm/layers.0.wo'], 6);
    // The lines in metrics.jsonl carry the same fields.
    const { readMetricsLog } = await import('@aligndial/dpo');
    expect(readMetricsLog(join(outDir, 'metrics.jsonl'))[0]).toHaveProperty(['grad_norm/layers.0.wqkv']);
    clm.dispose();
  });
});
