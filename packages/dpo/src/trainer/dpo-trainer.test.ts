import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecoderLayer, Transformer, initBackend, sequenceLogProbs, tf } from '@aligndial/core';
import { configForShape, createRandomModel } from '@aligndial/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSyntheticPreferencePairs } from '../data/synthetic-preferences.js';
import { DpoTrainer } from './dpo-trainer.js';
import { readMetricsLog } from './metrics-log.js';

const CONFIG = configForShape('tiny', { vocabSize: 64 });
const newModel = () => createRandomModel(CONFIG, { seed: 7, initStd: 0.05 });
const pairs = createSyntheticPreferencePairs({ count: 16, vocabSize: 64, seed: 3, promptLength: 4, completionLength: 3, bosTokenId: 1 });
const tmp = () => mkdtempSync(join(tmpdir(), 'dpo-trainer-'));

const snapshot = (vars: Iterable<[string, tf.Variable]>) => new Map([...vars].map(([n, v]) => [n, (v.dataSync() as Float32Array).slice()]));
const equalBits = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

beforeAll(async () => {
  await initBackend('wasm');
});

describe('DpoTrainer', () => {
  it('learns a rule-following preference: loss falls from log 2, rewards/accuracies rise', async () => {
    const model = newModel();
    const trainer = new DpoTrainer({
      model,
      train: pairs,
      eval: pairs.slice(0, 8),
      config: { beta: 0.5, learningRate: 1e-2, batchSize: 4, epochs: 4, warmupRatio: 0.1, lrSchedulerType: 'cosine', evalSteps: 8, seed: 1 },
    });
    const before = trainer.evaluate();
    expect(before.eval_loss).toBeCloseTo(Math.log(2), 4);
    expect(before['eval_rewards/accuracies']).toBe(0);
    const result = await trainer.train();
    expect(result.step).toBe(16);
    const trainLines = result.log.filter((r) => 'loss' in r);
    // Warmup: the first update uses learning rate 0, so the first step sees policy = reference exactly.
    expect(trainLines[0].loss).toBeCloseTo(Math.log(2), 4);
    expect(trainLines[0].learning_rate).toBe(0);
    for (const key of ['rewards/chosen', 'rewards/rejected', 'rewards/margins', 'rewards/accuracies', 'logps/chosen', 'logps/rejected', 'loss', 'learning_rate', 'grad_norm', 'tokens_per_second']) {
      expect(trainLines.at(-1)).toHaveProperty([key]);
    }
    const after = result.eval!;
    expect(after.eval_loss).toBeLessThan(0.5 * Math.log(2));
    expect(after['eval_rewards/accuracies']).toBeGreaterThanOrEqual(0.875);
    expect(after['eval_rewards/margins']).toBeGreaterThan(0);
    const late = trainLines.slice(-4);
    expect(late.reduce((a, r) => a + r.loss, 0) / late.length).toBeLessThan(trainLines[1].loss);
    trainer.dispose();
    model.dispose();
  });

  it('bottom:1 trains layer 0 only: every other variable stays bit-identical and has no optimizer state', async () => {
    const model = newModel();
    const before = snapshot(model.parameters());
    const liveTensors: number[] = [];
    const trainer = new DpoTrainer({
      model,
      train: pairs,
      config: { trainable: 'bottom:1', learningRate: 1e-2, batchSize: 4, maxSteps: 3 },
      onStep: () => liveTensors.push(tf.memory().numTensors),
    });
    expect([...trainer.trainable.keys()].every((n) => n.startsWith('layers.0.'))).toBe(true);
    await trainer.train();
    // No tensor leaks from step to step.
    expect(new Set(liveTensors).size).toBe(1);
    const stateNames = trainer.optimizer.stateNames();
    expect(new Set(stateNames)).toEqual(new Set(trainer.trainable.keys()));
    for (const [name, v] of model.parameters()) {
      const same = equalBits(before.get(name)!, v.dataSync() as Float32Array);
      expect(same, name).toBe(!name.startsWith('layers.0.'));
    }
    trainer.dispose();
    model.dispose();
  });

  it('resumes from a checkpoint to the same weights and metrics as an uninterrupted run', async () => {
    const config = { learningRate: 5e-3, batchSize: 2, gradientAccumulationSteps: 2, epochs: 2, saveSteps: 3, warmupSteps: 2, maxGradNorm: 0.5 };
    const straightDir = tmp();
    const straightModel = newModel();
    const straight = new DpoTrainer({ model: straightModel, train: pairs, config, outputDir: straightDir });
    await straight.train();

    const dir = tmp();
    const first = newModel();
    const interrupted = new DpoTrainer({ model: first, train: pairs, config, outputDir: dir });
    await interrupted.train({ stopAtStep: 4 }); // checkpoint at 3; step 4 is lost
    expect(readdirSync(dir).filter((f) => f.startsWith('checkpoint-'))).toEqual(['checkpoint-3']);
    first.dispose();
    const second = newModel();
    const resumed = new DpoTrainer({ model: second, train: pairs, config, outputDir: dir });
    const result = await resumed.train({ resume: true });
    expect(result.resumedFrom).toBe(join(dir, 'checkpoint-3'));
    expect(result.step).toBe(8);

    for (const [name, v] of straightModel.parameters()) {
      expect(equalBits(v.dataSync() as Float32Array, second.parameters().get(name)!.dataSync() as Float32Array), name).toBe(true);
    }
    const strip = (r: Record<string, number>) => {
      const { tokens_per_second: _t, ...rest } = r;
      return rest;
    };
    expect(readMetricsLog(join(dir, 'metrics.jsonl')).map(strip)).toEqual(readMetricsLog(join(straightDir, 'metrics.jsonl')).map(strip));
    expect(readdirSync(dir).some((f) => f.startsWith('reference-logps-'))).toBe(true);
  });

  it('takes a reference function: CLM-style inserted identity layer trains alone against the model without it', async () => {
    const model = newModel();
    const base = new Transformer(model.config, model.weights, model.layers.slice()); // shares every variable
    const frozenBefore = snapshot(model.parameters());
    // Insert a copy of layer 0 whose output projections are zero: an identity layer.
    const w = model.layers[0].weights;
    const copy = (v: tf.Variable | unknown, zero = false) => tf.variable(zero ? tf.zerosLike(v as tf.Variable) : (v as tf.Variable).clone(), false);
    const inserted = new DecoderLayer(model.config, {
      inputNorm: copy(w.inputNorm),
      wqkv: copy(w.wqkv),
      wo: copy(w.wo, true),
      postNorm: copy(w.postNorm),
      wGateUp: copy(w.wGateUp),
      wDown: copy(w.wDown, true),
    });
    model.layers = [inserted, ...model.layers];
    let calls = 0;
    const trainer = new DpoTrainer({
      model,
      train: pairs,
      config: { trainable: ['layers.0'], learningRate: 1e-2, batchSize: 4, maxSteps: 4 },
      reference: {
        kind: 'function',
        logProbs: (batch) => {
          calls++;
          return sequenceLogProbs(base, batch);
        },
      },
    });
    expect([...trainer.trainable.keys()]).toEqual(['layers.0.inputNorm', 'layers.0.wqkv', 'layers.0.wo', 'layers.0.postNorm', 'layers.0.wGateUp', 'layers.0.wDown']);
    const result = await trainer.train();
    expect(calls).toBe(4);
    expect(result.log[0].loss).toBeCloseTo(Math.log(2), 5);
    expect(result.log.at(-1)!.loss).toBeLessThan(result.log[0].loss);
    for (const [name, v] of base.parameters()) expect(equalBits(frozenBefore.get(name)!, v.dataSync() as Float32Array), name).toBe(true);
    trainer.dispose();
  });

  it('rejects bad settings with messages naming them', () => {
    const model = newModel();
    expect(() => new DpoTrainer({ model, train: pairs, config: { trainable: 'bottom:3' } })).toThrow(/between 1 and the number of decoder layers \(2\)/);
    expect(() => new DpoTrainer({ model, train: pairs, config: { trainable: ['layers.9.wqkv'] } })).toThrow(/"layers.9.wqkv" is not in the model/);
    expect(() => new DpoTrainer({ model, train: pairs, config: { batchSize: 0 } })).toThrow(/batchSize must be a positive integer/);
    expect(() => new DpoTrainer({ model, train: pairs, config: { lossType: 'sigmoid' }, reference: { kind: 'none' } })).toThrow(/needs a reference/);
    expect(() => new DpoTrainer({ model, train: [], config: {} })).toThrow(/training set is empty/);
    model.dispose();
  });
});
