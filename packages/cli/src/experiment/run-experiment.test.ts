import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';
import { runCreateRandom } from '../commands/create-random.js';
import { runExperimentCommand } from '../commands/experiment-command.js';
import type { ExperimentResult } from './run-experiment.js';

let dir: string;
let modelDir: string;
let reward: string;
let prompts: string;

beforeAll(async () => {
  process.env.ALIGNDIAL_PROGRESS = '0';
  dir = mkdtempSync(join(tmpdir(), 'experiment-'));
  modelDir = join(dir, 'model');
  await runCreateRandom({ shape: 'tiny', out: modelDir, seed: 5 });
  // The tiny random model writes byte soup: reward vowels, which it can learn to write more of.
  reward = join(dir, 'reward.mjs');
  writeFileSync(reward, 'export default (text) => (text.match(/[aeiou]/gi) ?? []).length;\n');
  prompts = join(dir, 'prompts.txt');
  writeFileSync(prompts, Array.from({ length: 24 }, (_, i) => `Story ${i}: once`).join('\n'));
});

const quiet = { write: () => true } as unknown as NodeJS.WritableStream;

describe('aligndial experiment controlled (tiny random model)', () => {
  let result: ExperimentResult;
  const out = () => join(dir, 'run');

  it('runs clm, clm:2 and full DPO with a 2-point grid, and reports every (method, λ) row paired with the base', async () => {
    result = await runExperimentCommand(
      {
        model: modelDir, out: out(), methods: ['clm,clm:2', 'all'], lambdas: [0, 1, 2], reward, prompts, evalPrompts: 6, trainPrompts: 90, pairSamples: 4, samples: 3,
        maxNewTokens: 12, temperature: 1, betaGrid: [0.1], lrGrid: [1e-3, 3e-2], epochsGrid: [1, 2], selectionHoldout: 0.25, batchSize: 4, warmupRatio: 0.1,
        maxGradNorm: 1, copyLayer: 0, logTensorNorms: true, alignezLayers: 2, alignezK: 3, samplingBatchSize: 7, seed: 0, backend: 'wasm', progress: false,
      },
      quiet,
    );
    expect(result.data.evalPrompts).toBe(6);
    expect(result.data.trainPrompts).toBe(18);
    expect(result.data.pairs).toBeGreaterThanOrEqual(10);
    expect(result.data.meanChosenReward).toBeGreaterThan(result.data.meanRejectedReward);
    expect(result.rows.map((r) => `${r.method}@${r.dial}`)).toEqual(['clm@0', 'clm@1', 'clm@2', 'clm:2@0', 'clm:2@1', 'clm:2@2', 'all@1']);
    for (const r of result.rows.filter((r) => r.dial === 0)) {
      // λ = 0 is the base model: the same seeds give byte-identical samples, so the paired gain is exactly 0.
      expect(r.identicalToBase).toBe(1);
      expect(r.gain).toMatchObject({ mean: 0, se: 0 });
    }
    for (const r of result.rows.filter((r) => r.dial !== 0)) {
      expect(r.identicalToBase).toBeLessThan(1);
      expect(r.gain.n).toBe(6); // one paired difference per evaluation prompt
    }
    const byMethod = Object.fromEntries(result.methods.map((m) => [m.method, m]));
    // Trainable parameters: one added layer, two added layers (twice as many), the whole model.
    expect(byMethod['clm:2'].trainableParameters).toBe(2 * byMethod.clm.trainableParameters);
    expect(byMethod.all.trainableParameters).toBeGreaterThan(byMethod['clm:2'].trainableParameters);
    for (const m of result.methods) {
      // 1 β × 2 lr × 2 epoch counts, each scored on the held-out pairs; the chosen one has the lowest loss.
      expect(m.selection).toHaveLength(4);
      const best = Math.min(...m.selection.map((s) => s.heldOutLoss));
      expect(m.selection.find((s) => s.heldOutLoss === best)).toMatchObject(m.hyperparameters!);
      expect(m.trainCpuSeconds).toBeGreaterThan(0);
    }
    // Full DPO learns the preference: the chosen run's held-out DPO loss is below log 2 (chance).
    expect(Math.min(...byMethod.all.selection.map((s) => s.heldOutLoss))).toBeLessThan(Math.log(2));
    const all = result.rows.find((r) => r.method === 'all')!;
    console.log(`tiny model, reward: vowels: base ${result.base.reward.mean.toFixed(2)}, all ${all.gain.mean.toFixed(2)} ± ${all.gain.se.toFixed(2)}`);
  });

  it('writes results.json, table.md, the plot, every sample with its seed, the pairs and per-tensor norms', () => {
    const saved = JSON.parse(readFileSync(join(out(), 'results.json'), 'utf8')) as ExperimentResult;
    expect(saved.rows).toHaveLength(7);
    const table = readFileSync(join(out(), 'table.md'), 'utf8');
    expect(table).toContain('| clm:2 | 2 |');
    expect(table).toMatch(/trainable parameters/);
    expect(readFileSync(join(out(), 'plot.svg'), 'utf8')).toContain('<svg');
    const samples = readFileSync(join(out(), 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { method: string; seed: number; prompt: string });
    expect(samples).toHaveLength((1 + 7) * 6 * 3);
    const seeds = (m: string) => samples.filter((s) => s.method === m).map((s) => s.seed);
    expect(seeds('all')).toEqual(seeds('base'));
    expect(readFileSync(join(out(), 'pairs.jsonl'), 'utf8').trim().split('\n')).toHaveLength(result.data.pairs);
    const metrics = readFileSync(join(out(), 'runs', 'clm', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(metrics[0]['grad_norm/layers.0.wqkv']).toBe(0); // identity init: q/k/v get no gradient on step 1
    expect(metrics[0]['grad_norm/layers.0.wo']).toBeGreaterThan(0);
  });

  it('bad input is one clear error', async () => {
    const run = (args: string[]) => runCli(['node', 'aligndial', 'experiment', 'controlled', '--model', modelDir, '--out', join(dir, 'bad'), ...args]);
    expect(await run(['--methods', 'lora'])).toBe(1);
    expect(await run(['--reward', join(dir, 'nope.js')])).toBe(1);
    expect(await run(['--eval-prompts', '0'])).toBe(2);
    expect(await runCli(['node', 'aligndial', 'experiment', 'controlled', '--model', join(dir, 'missing')])).toBe(1);
    expect(existsSync(join(dir, 'bad', 'results.json'))).toBe(false);
  });
});
