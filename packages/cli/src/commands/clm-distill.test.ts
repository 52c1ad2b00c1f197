import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyAdapter, chosenSequences, clmTeacher, meanTokenKl } from '@aligndial/clm';
import { type SequenceBatch, Tokenizer, loadModel, loadModelConfig } from '@aligndial/core';
import { readPreferenceFile, tokenizePreferences } from '@aligndial/dpo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_STORIES260K, SHARED_ABSENT_MESSAGE, STORIES260K_DIR } from '../../../core/src/testing/shared-paths.js';
import { runCliCaptured } from '../testing/run-cli-captured.js';
import { runCreateRandom } from './create-random.js';
import { tempDir, writeJsonl } from './eval-test-support.js';

const cli = (...args: string[]) => runCliCaptured([...args, '--backend', 'wasm']);

/** Prefs whose chosen completions differ from the rejected ones, so a DPO-trained adapter moves. */
function writePrefs(file: string, count: number, prompt: (i: number) => string): string {
  return writeJsonl(
    file,
    Array.from({ length: count }, (_, i) => ({ prompt: prompt(i), chosen: ' they were happy and kind to each other.', rejected: ' no.' })),
  );
}

describe('aligndial clm distill on a tiny random model', () => {
  const tmp = tempDir();
  const model = join(tmp.dir, 'base');
  const adapter = join(tmp.dir, 'adapter');
  let data: string;
  beforeAll(async () => {
    await runCreateRandom({ shape: 'tiny', out: model, seed: 9 });
    data = writePrefs(join(tmp.dir, 'prefs.jsonl'), 16, (i) => `Question ${i}: tell me something.`);
    const trained = await cli('clm', 'train', '--model', model, '--data', data, '--out', adapter, '--max-steps', '4', '--batch-size', '4', '--lr', '1e-2', '--save-steps', '0');
    expect(trained.code, trained.stderr).toBe(0);
  });
  afterAll(tmp.cleanup);

  it('bakes λ = 0.5 into the CLM layer: the reported KL falls and matches an independent measurement', async () => {
    const out = join(tmp.dir, 'distilled');
    const run = await cli('clm', 'distill', '--json', '--model', model, '--adapter', adapter, '--lambda', '0.5', '--data', data, '--out', out, '--max-steps', '12', '--lr', '3e-3', '--save-steps', '6');
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ out, teacher: 'clm', into: 'adapter', lambda: 0.5, steps: 12, trainSequences: 16, klOn: 'train', klSequences: 16 });
    // The memory plan is printed before the weights are read; a tiny step needs no checkpointing.
    expect(run.stderr).toMatch(/memory plan: .*\(4 sequences × \d+ tokens, checkpointing off\)/);
    expect(summary.memoryPlan).toMatchObject({ checkpointing: false, rows: 4 });
    expect(summary.klBefore).toBeGreaterThan(0);
    expect(summary.klAfter).toBeLessThan(0.5 * summary.klBefore);
    expect(existsSync(join(out, 'adapter.json'))).toBe(true);
    expect(existsSync(join(out, 'checkpoint-12'))).toBe(true);

    // Independently: the distilled adapter at λ = 1 against the original at λ = 0.5.
    const tokenizer = Tokenizer.fromDir(model);
    const { examples } = await readPreferenceFile(data);
    const sequences = chosenSequences(tokenizePreferences(examples, tokenizer, { maxLength: 1024 }).pairs);
    const teacherClm = applyAdapter(loadModel(model), adapter);
    const distilled = applyAdapter(loadModel(model), out);
    try {
      const kl = meanTokenKl({
        student: (batch: SequenceBatch) => distilled.headInput(batch.inputIds, { lambda: 1, attentionMask: batch.attentionMask }),
        teacher: clmTeacher(teacherClm, 0.5),
        data: sequences,
        batchSize: 4,
      });
      expect(kl).toBeCloseTo(summary.klAfter, 5);
    } finally {
      teacherClm.dispose();
      distilled.dispose();
    }

    // A finished run is not overwritten; --resume picks up its last checkpoint and has nothing left to do.
    const again = await cli('clm', 'distill', '--json', '--model', model, '--adapter', adapter, '--lambda', '0.5', '--data', data, '--out', out, '--max-steps', '12', '--lr', '3e-3');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already holds checkpoints of a run');
    const resumed = await cli('clm', 'distill', '--json', '--model', model, '--adapter', adapter, '--lambda', '0.5', '--data', data, '--out', out, '--max-steps', '12', '--lr', '3e-3', '--resume');
    expect(resumed.code, resumed.stderr).toBe(0);
    const r = JSON.parse(resumed.stdout);
    expect(r).toMatchObject({ steps: 12, resumedFrom: join(out, 'checkpoint-12') });
    expect(r.klAfter).toBeCloseTo(summary.klAfter, 6);
  });

  it('distils the CLM at λ = 1.5 into a plain model (base + added layers), and a DeRa pair into a model', async () => {
    const out = join(tmp.dir, 'plain');
    const run = await cli('clm', 'distill', '--json', '--model', model, '--adapter', adapter, '--lambda', '1.5', '--into', 'model', '--data', data, '--out', out, '--max-steps', '8', '--lr', '1e-3', '--eval-ratio', '0.25');
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ into: 'model', teacher: 'clm', klOn: 'eval', klSequences: 4, trainSequences: 12 });
    expect(summary.klAfter).toBeLessThan(summary.klBefore);
    expect(loadModelConfig(out).numLayers).toBe(loadModelConfig(model).numLayers + 1);
    expect(existsSync(join(out, 'tokenizer.json'))).toBe(true);

    // DeRa: the merged CLM as the aligned model, the base as the reference.
    const aligned = join(tmp.dir, 'aligned');
    expect((await cli('clm', 'export', '--model', model, '--adapter', adapter, '--out', aligned)).code).toBe(0);
    const dera = join(tmp.dir, 'dera');
    // Different depths are fine for DeRa (only the vocabularies must agree).
    const deraRun = await cli('clm', 'distill', '--json', '--model', model, '--aligned-model', aligned, '--lambda', '0.5', '--data', data, '--out', dera, '--max-steps', '8', '--lr', '1e-3');
    expect(deraRun.code, deraRun.stderr).toBe(0);
    const d = JSON.parse(deraRun.stdout);
    expect(d).toMatchObject({ teacher: 'dera', into: 'model', lambda: 0.5 });
    expect(d.klAfter).toBeLessThan(d.klBefore);
    expect(existsSync(join(dera, 'model.safetensors'))).toBe(true);

    // Checkpointed (every layer recomputed in the backward pass): the same run.
    const deraOn = await cli('clm', 'distill', '--json', '--model', model, '--aligned-model', aligned, '--lambda', '0.5', '--data', data, '--out', `${dera}-on`, '--max-steps', '8', '--lr', '1e-3', '--gradient-checkpointing', 'on');
    expect(deraOn.code, deraOn.stderr).toBe(0);
    const on = JSON.parse(deraOn.stdout);
    expect(on.memoryPlan).toMatchObject({ checkpointing: true });
    expect(Math.abs(on.finalLoss - d.finalLoss)).toBeLessThan(1e-5);
    expect(Math.abs(on.klAfter - d.klAfter)).toBeLessThan(1e-5);
  });

  it('checks its inputs: one teacher, a CLM for --into adapter, one tokenizer for DeRa', async () => {
    const both = await cli('clm', 'distill', '--json', '--model', model, '--adapter', adapter, '--aligned-model', model, '--lambda', '1', '--data', data, '--out', join(tmp.dir, 'x'));
    expect(both).toMatchObject({ code: 2 });
    expect(both.stderr).toContain('give exactly one teacher');
    const deraAdapter = await cli('clm', 'distill', '--json', '--model', model, '--aligned-model', model, '--into', 'adapter', '--lambda', '1', '--data', data, '--out', join(tmp.dir, 'y'));
    expect(deraAdapter.stderr).toContain('--into adapter needs a CLM teacher');
    const other = join(tmp.dir, 'other-tokenizer');
    cpSync(model, other, { recursive: true });
    const tj = JSON.parse(readFileSync(join(other, 'tokenizer.json'), 'utf8'));
    const [a, b] = Object.keys(tj.model.vocab).filter((k) => tj.model.vocab[k] === 100 || tj.model.vocab[k] === 101);
    [tj.model.vocab[a], tj.model.vocab[b]] = [tj.model.vocab[b], tj.model.vocab[a]];
    writeFileSync(join(other, 'tokenizer.json'), JSON.stringify(tj));
    const mismatch = await cli('clm', 'distill', '--json', '--model', model, '--aligned-model', other, '--lambda', '0.5', '--data', data, '--out', join(tmp.dir, 'z'));
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/DeRa needs one tokenizer for both models, but token 10[01] differs/);
  });
});

if (!HAS_STORIES260K) console.warn(SHARED_ABSENT_MESSAGE);

describe.skipIf(!HAS_STORIES260K)('aligndial clm distill on ../shared/models/stories260K', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('trains an adapter, then distils λ = 0.5 into it; the KL to the teacher falls', async () => {
    const data = writePrefs(join(tmp.dir, 'prefs.jsonl'), 16, (i) => `Once upon a time, a ${['cat', 'dog', 'bird', 'fox'][i % 4]} met a friend and`);
    const adapter = join(tmp.dir, 'adapter');
    const trained = await cli('clm', 'train', '--model', STORIES260K_DIR, '--data', data, '--out', adapter, '--max-steps', '4', '--batch-size', '4', '--lr', '5e-3', '--save-steps', '0');
    expect(trained.code, trained.stderr).toBe(0);
    const out = join(tmp.dir, 'distilled');
    const run = await cli('clm', 'distill', '--json', '--model', STORIES260K_DIR, '--adapter', adapter, '--lambda', '0.5', '--data', data, '--out', out, '--max-steps', '8', '--lr', '2e-3');
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    console.log(`stories260K clm distill λ=0.5: KL ${summary.klBefore.toExponential(3)} → ${summary.klAfter.toExponential(3)} nats/token in ${summary.seconds}s`);
    expect(summary.klAfter).toBeLessThan(summary.klBefore);
  });
});
