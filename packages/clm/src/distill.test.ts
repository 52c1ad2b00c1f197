import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, type SequenceBatch, buildSequenceBatch, computeGradients, initBackend, tf } from '@aligndial/core';
import { kdLossFromHeads, kdLossFromTeacher, predictionMask } from '@aligndial/dpo';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandModel } from './adapter.js';
import type { ClmModel } from './clm-model.js';
import { deraForward } from './dera-decoder.js';
import { type DistillSequence, clmTeacher, deraTeacher, distill, distillClmLambda } from './distill.js';
import { maxAbsDiff, perturbAdded, tinyModel } from './testing/fixtures.js';
import { embeddingDirectionRule, ruleReward, type PreferenceRule } from './testing/preference-rule.js';
import { trainClm } from './train.js';

/** A CLM trained on the synthetic rule (an aligned model with a real, structured preference). */
async function trainedClm(seed: number): Promise<{ clm: ClmModel; rule: PreferenceRule }> {
  const clm = expandModel(tinyModel(seed));
  const rule = embeddingDirectionRule(clm.model, { size: 100, pairs: 64, prompts: 64, seed: 1 });
  await trainClm(clm, { train: rule.pairs, config: { beta: 0.1, learningRate: 1e-4, batchSize: 8, maxSteps: 32, lrSchedulerType: 'constant', seed: 1 } });
  return { clm, rule };
}

beforeAll(async () => {
  await initBackend('wasm');
});

function sequences(count: number, seed: number, vocabSize = 300): DistillSequence[] {
  const rng = new Rng(seed);
  const token = () => 3 + rng.int(vocabSize - 3);
  return Array.from({ length: count }, () => ({ promptIds: [1, token(), token(), token(), token(), token()], completionIds: Array.from({ length: 8 }, token) }));
}

/** Eq. 8 on a batch: KL(student ‖ teacher) summed over completion positions, batch mean. */
function kd(student: tf.Tensor3D, teacher: tf.Tensor3D, batch: SequenceBatch): number {
  return tf.tidy(() => kdLossFromTeacher(student, teacher, { mask: predictionMask(batch.completionMask) }).dataSync()[0]);
}

describe('the chunked KD loss on real teachers (no [B, T, V] logits)', () => {
  it('CLM and DeRa teachers at λ = 0.5 and 1.5: the same loss and student gradients as Eq. 8 on full logits (within 1e-6)', () => {
    const clm = expandModel(tinyModel(31));
    perturbAdded(clm, 3, 0.05);
    const aligned = tinyModel(32);
    const student = tinyModel(33);
    const batch = buildSequenceBatch(sequences(3, 9).map((s, i) => ({ ...s, completionIds: s.completionIds.slice(0, 3 + 2 * i) })), 0);
    const mask = predictionMask(batch.completionMask);
    const variables = student.parameters();
    const full = (teacher: tf.Tensor3D) => () => kdLossFromTeacher(student.forward(batch.inputIds, { attentionMask: batch.attentionMask, training: true }), teacher, { mask });
    // The DeRa reference is the student itself: the teacher's head reads weights the student trains, and
    // they must get no gradient from the teacher's side (Eq. 8's teacher is a constant).
    const teachers: Array<[string, (lambda: number) => tf.Tensor3D, (lambda: number) => ReturnType<ReturnType<typeof clmTeacher>>]> = [
      ['clm', (l) => clm.forward(batch.inputIds, { lambda: l, attentionMask: batch.attentionMask }), (l) => clmTeacher(clm, l)(batch)],
      ['dera', (l) => deraForward(aligned, student, batch.inputIds, { lambda: l, attentionMask: batch.attentionMask }), (l) => deraTeacher(aligned, student, l)(batch)],
    ];
    for (const [name, logits, heads] of teachers) {
      for (const lambda of [0.5, 1.5]) {
        const target = logits(lambda);
        const teacher = heads(lambda);
        const expected = computeGradients(full(target), variables);
        for (const recompute of [false, true]) {
          const chunked = () =>
            kdLossFromHeads(student.headInput(batch.inputIds, { attentionMask: batch.attentionMask, training: true }), teacher, { mask, chunkSize: 4, recompute });
          const got = computeGradients(chunked, variables);
          const what = `${name} λ=${lambda} recompute=${recompute}`;
          expect(expected.loss, what).toBeGreaterThan(0.01);
          expect(Math.abs(got.loss - expected.loss), what).toBeLessThan(1e-6 * Math.max(1, expected.loss));
          for (const [param, g] of expected.grads) expect(maxAbsDiff(g, got.grads.get(param)!), `${what}: ${param}`).toBeLessThan(1e-6);
          tf.dispose([...got.grads.values()]);
        }
        tf.dispose([target, teacher.features, ...expected.grads.values()]);
      }
    }
    for (const m of [clm, aligned, student]) m.dispose();
  });
});

describe('distillation of a fixed λ (KD loss, paper Eq. 8)', () => {
  it('bakes λ = 0.5 into the CLM layer: afterwards the CLM at λ = 1 matches what it gave at λ = 0.5 (held-out), and λ = 0 is still the base', async () => {
    const { clm, rule } = await trainedClm(5);
    const held = buildSequenceBatch(sequences(16, 2), 0);
    const forward = (lambda: number) => clm.forward(held.inputIds, { lambda, attentionMask: held.attentionMask });
    const target = forward(0.5);
    const base = forward(0);
    const rewardAtHalf = await ruleReward(clm, rule, 0.5);
    const klBefore = kd(forward(1), target, held);

    const result = await distillClmLambda(clm, 0.5, { data: sequences(64, 1), steps: 48, batchSize: 8, learningRate: 1e-3 });
    const klAfter = kd(forward(1), target, held);
    const rewardAfter = await ruleReward(clm, rule, 1);
    console.log(
      `KD (held-out) of the CLM at λ=1 against its old λ=0.5: ${klBefore.toFixed(4)} → ${klAfter.toFixed(4)} (train loss ${result.losses[0].toFixed(4)} → ${result.losses.at(-1)!.toFixed(4)}); rule reward old λ=0.5 ${rewardAtHalf.toFixed(3)}, new λ=1 ${rewardAfter.toFixed(3)}`,
    );
    expect(klAfter).toBeLessThan(0.25 * klBefore);
    const lambda0 = forward(0);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(lambda0, base))).dataSync()[0])).toBe(0);
    expect(clm.origin.training).toMatchObject({ method: 'clm-distill', lambda: 0.5, steps: 48, before: { method: 'clm-dpo' } });
    tf.dispose([target, base, lambda0]);
    clm.dispose();
  });

  it('distills the CLM at λ = 1.5 into a plain model (every weight trains)', async () => {
    const { clm } = await trainedClm(6);
    const student = tinyModel(6); // a plain copy of the base: what the distilled model starts from
    const teacher = clmTeacher(clm, 1.5);
    const held = buildSequenceBatch(sequences(16, 4), 0);
    const target = clm.forward(held.inputIds, { lambda: 1.5, attentionMask: held.attentionMask });
    const studentLogits = () => student.forward(held.inputIds, { attentionMask: held.attentionMask });
    const klBefore = kd(studentLogits(), target, held);
    await distill({ student, teacher, data: sequences(64, 3), steps: 48, batchSize: 8, learningRate: 1e-3 });
    const klAfter = kd(studentLogits(), target, held);
    console.log(`KD (held-out) of a plain student against the CLM at λ=1.5: ${klBefore.toFixed(4)} → ${klAfter.toFixed(4)}`);
    expect(klAfter).toBeLessThan(0.5 * klBefore);
    target.dispose();
    student.dispose();
    clm.dispose();
  });

  it('checkpoints and resumes exactly: 3 steps, stop, resume to 6 equals 6 steps straight; another run\'s checkpoint is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'distill-resume-'));
    try {
      const teacherModel = tinyModel(21);
      const teacher = (batch: SequenceBatch) => teacherModel.headInput(batch.inputIds, { attentionMask: batch.attentionMask });
      const data = sequences(12, 5);
      const common = { teacher, data, steps: 6, batchSize: 4, learningRate: 1e-3, seed: 3, runIdentity: { lambda: 0.5 } };
      const straight = tinyModel(22);
      const full = await distill({ ...common, student: straight });
      const resumed = tinyModel(22);
      const onStep: number[] = [];
      // Stop after 3 steps by throwing from the step callback; the checkpoint of step 3 is on disk.
      await expect(
        distill({ ...common, student: resumed, outputDir: dir, saveSteps: 3, onStep: (step) => { if (step === 4) throw new Error('stopped'); } }),
      ).rejects.toThrow('stopped');
      const fresh = tinyModel(22); // a new process: the weights come from the checkpoint
      const second = await distill({ ...common, student: fresh, outputDir: dir, saveSteps: 3, resume: true, onStep: (s) => onStep.push(s) });
      expect(second.resumedFrom).toBe(join(dir, 'checkpoint-3'));
      expect(onStep).toEqual([4, 5, 6]);
      expect(second.losses).toEqual(full.losses.slice(3));
      for (const [name, v] of straight.parameters()) expect(maxAbsDiff(v, fresh.parameters().get(name)!), name).toBe(0);
      await expect(distill({ ...common, student: tinyModel(22), outputDir: dir, resume: true, runIdentity: { lambda: 0.7 } })).rejects.toThrow(
        /the checkpoint was saved with lambda = 0\.5, this run has 0\.7/,
      );
      for (const m of [teacherModel, straight, resumed, fresh]) m.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects empty data and bad step counts', async () => {
    const student = tinyModel(43);
    const teacher = (batch: SequenceBatch) => student.headInput(batch.inputIds);
    await expect(distill({ student, teacher, data: [] })).rejects.toThrow(/no training sequences/);
    await expect(distill({ student, teacher, data: sequences(2, 1), steps: 0 })).rejects.toThrow(/steps must be a whole number ≥ 1/);
    student.dispose();
  });
});
