import { buildSequenceBatch, countParameters, initBackend, modelHeapBytes, planTrainingMemory, startTensorMemoryMeter } from '@aligndial/core';
import { configForShape, createRandomModel } from '@aligndial/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DistillSequence, distill } from './distill.js';

beforeAll(async () => {
  await initBackend('wasm');
});

// As dpo's memory-plan test: activations, not fixed costs, decide the peak; small enough for CI.
const CONFIG = configForShape('tiny', { vocabSize: 2048, hiddenSize: 64, intermediateSize: 160, numLayers: 6, numHeads: 4, numKvHeads: 2, headDim: 16 });
const PROMPT = 40;
const COMPLETION = 40;

function sequences(count: number): DistillSequence[] {
  let x = 7;
  const token = () => 3 + ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) % (CONFIG.vocabSize - 3));
  return Array.from({ length: count }, () => ({ promptIds: [1, ...Array.from({ length: PROMPT - 1 }, token)], completionIds: Array.from({ length: COMPLETION }, token) }));
}

describe('the memory plan of a distillation step (KD loss at the head, a teacher beside the student)', () => {
  for (const gradientCheckpointing of [false, true]) {
    it(`estimates the measured peak (checkpointing ${gradientCheckpointing ? 'on: within ±30 %' : 'off: above it, by less than 1.7×'})`, async () => {
      const meter = startTensorMemoryMeter();
      const student = createRandomModel(CONFIG, { seed: 1 });
      const teacherModel = createRandomModel(CONFIG, { seed: 2 });
      const data = sequences(4);
      expect(buildSequenceBatch(data).inputIds[0]).toHaveLength(PROMPT + COMPLETION);
      await distill({ student, teacher: (batch) => teacherModel.headInput(batch.inputIds, { attentionMask: batch.attentionMask }), data, steps: 2, batchSize: 4, gradientCheckpointing });
      student.dispose();
      teacherModel.dispose();
      meter.stop();
      expect(meter.exact).toBe(true);
      const plan = planTrainingMemory({
        config: CONFIG,
        rows: 4,
        length: PROMPT + COMPLETION,
        scoredPositions: 4 * COMPLETION,
        trainableParameters: countParameters(CONFIG),
        trainsEmbedding: true,
        extraWeights: modelHeapBytes(CONFIG),
        headLoss: 'kd',
        checkpointing: gradientCheckpointing,
      });
      console.log(`distill, checkpointing ${gradientCheckpointing}: estimated ${(plan.total / 2 ** 20).toFixed(1)} MiB, measured ${(meter.peakBytes / 2 ** 20).toFixed(1)} MiB`);
      if (gradientCheckpointing) {
        expect(plan.total / meter.peakBytes).toBeGreaterThan(0.7);
        expect(plan.total / meter.peakBytes).toBeLessThan(1.3);
      } else {
        // Without checkpointing the per-layer coefficients (fitted on DPO steps) overestimate a KD step (≈ 1.5×
        // here): conservative — `auto` may turn checkpointing on before it is strictly needed, never too late.
        expect(plan.total / meter.peakBytes).toBeGreaterThan(1);
        expect(plan.total / meter.peakBytes).toBeLessThan(1.7);
      }
    });
  }
});
