import { initBackend, planTrainingMemory, resolveMemoryPlan, startTensorMemoryMeter } from '@aligndial/core';
import { configForShape, createRandomModel } from '@aligndial/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSyntheticPreferencePairs } from '../data/synthetic-preferences.js';
import { DpoTrainer } from './dpo-trainer.js';

beforeAll(async () => {
  await initBackend('wasm');
});

// Big enough that activations, not fixed costs, decide the peak; small enough for CI.
const CONFIG = configForShape('tiny', { vocabSize: 2048, hiddenSize: 64, intermediateSize: 160, numLayers: 6, numHeads: 4, numKvHeads: 2, headDim: 16 });
const PROMPT = 40;
const COMPLETION = 40;

/** Peak tensor memory of a DPO run (model, reference pass, two steps: the second with AdamW's state), measured. */
async function measuredPeak(trainable: 'all' | 'bottom:1', gradientCheckpointing: boolean): Promise<{ peak: number; trainableParameters: number }> {
  const meter = startTensorMemoryMeter();
  const model = createRandomModel(CONFIG, { seed: 1 });
  const pairs = createSyntheticPreferencePairs({ count: 2, vocabSize: CONFIG.vocabSize, seed: 2, promptLength: PROMPT - 1, completionLength: COMPLETION, bosTokenId: 1 });
  const trainer = new DpoTrainer({ model, train: pairs, config: { batchSize: 2, maxSteps: 2, trainable, gradientCheckpointing, shuffle: false } });
  await trainer.train();
  const trainableParameters = [...trainer.trainable.values()].reduce((n, v) => n + v.size, 0);
  trainer.dispose();
  model.dispose();
  meter.stop();
  expect(meter.exact).toBe(true);
  return { peak: meter.peakBytes, trainableParameters };
}

describe('training memory plan', () => {
  for (const trainable of ['all', 'bottom:1'] as const) {
    for (const checkpointing of [false, true]) {
      it(`estimates the measured peak of a step within ±30 % (trainable ${trainable}, checkpointing ${checkpointing ? 'on' : 'off'})`, async () => {
        const { peak, trainableParameters } = await measuredPeak(trainable, checkpointing);
        const plan = planTrainingMemory({
          config: CONFIG,
          rows: 4,
          length: PROMPT + COMPLETION,
          scoredPositions: 4 * COMPLETION,
          trainableParameters,
          trainsEmbedding: trainable === 'all',
          checkpointing,
        });
        console.log(`trainable ${trainable}, checkpointing ${checkpointing}: estimated ${(plan.total / 2 ** 20).toFixed(1)} MiB, measured ${(peak / 2 ** 20).toFixed(1)} MiB`);
        expect(plan.total / peak).toBeGreaterThan(0.7);
        expect(plan.total / peak).toBeLessThan(1.3);
      });
    }
  }

  it('chooses checkpointing in auto mode only when the plain step does not fit, and refuses what cannot fit with the largest batch that would', () => {
    const qwen = { ...CONFIG, vocabSize: 151936, hiddenSize: 896, intermediateSize: 4864, numLayers: 24, numHeads: 14, numKvHeads: 2, headDim: 64 };
    const small = resolveMemoryPlan({ config: CONFIG, rows: 4, length: 80, trainableParameters: 1000 }, 'auto', 'wasm');
    expect(small.checkpointing).toBe(false);
    expect(small.line).toMatch(/^memory plan: weights .* checkpointing off\) ≈ .* of 3\.60 GiB/);
    const layer = resolveMemoryPlan({ config: qwen, rows: 2, length: 512, trainableParameters: 15e6 }, 'auto', 'wasm');
    expect(layer.checkpointing).toBe(true);
    expect(() => resolveMemoryPlan({ config: qwen, rows: 2, length: 512, trainableParameters: 494e6, trainsEmbedding: true }, 'auto', 'wasm')).toThrow(
      /needs about .* GiB but 3\.60 GiB is available .*; (the largest that fits is|no batch fits: weights, optimizer state and the optimizer step alone need)/,
    );
    expect(() => resolveMemoryPlan({ config: CONFIG, rows: 2048, length: 512, trainableParameters: 1000 }, 'off', 'wasm')).toThrow(/the largest that fits is \d+ pairs × 512 tokens/);
  });

  it('counts only the trainable weights in the heap when the frozen matrices live in the engine', () => {
    // Llama-3.2-1B's shape with CLM's one added layer: 4.6 GiB of float32 weights cannot share the wasm heap,
    // but held by the engine (bf16, its own memory) only the added layer's 61 M parameters are tfjs Variables.
    const llama1b = { ...CONFIG, vocabSize: 128256, hiddenSize: 2048, intermediateSize: 8192, numLayers: 17, numHeads: 32, numKvHeads: 8, headDim: 64 };
    const layer = 2048 * (2048 + 2 * 512) + 2048 * 2048 + 3 * 2048 * 8192 + 2 * 2048; // q/k/v, o, gate/up/down, norms
    const input = { config: llama1b, rows: 2, length: 512, trainableParameters: layer };
    expect(() => resolveMemoryPlan(input, 'auto', 'wasm')).toThrow(/needs about .* GiB but 3\.60 GiB is available/);
    const inEngine = resolveMemoryPlan({ ...input, frozenInEngine: true }, 'auto', 'wasm');
    expect(inEngine.plan.weights).toBe(4 * layer);
    expect(inEngine.plan.total).toBeLessThan(3.6 * 2 ** 30);
  });
});
