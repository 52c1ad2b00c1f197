/**
 * Peak tensor memory and time of one KD-loss gradient (CLM paper Eq. 8) at a real model's hidden size and
 * vocabulary: the loss on full logits [B, T, V] (`kdLossFromTeacher`, what distillation ran before) against
 * `kdLossFromHeads` in chunks of positions, kept on the tape or recomputed in the backward pass. The student's
 * features train (as the layers below the head would); both heads are frozen matrices, as in CLM distillation.
 * Each measurement runs in its own process, modes alternating over rounds; memory is the wasm backend's exact
 * peak of live tensor bytes (the heads' matrices, made before, not counted).
 *
 * Run from the repository root (sources, no build needed):
 *   TSX_TSCONFIG_PATH=tsconfig.source.json node --import tsx packages/dpo/bench/kd-loss-memory.ts --config ../shared/models/configs/smollm2-135m.json \
 *     --rows 4 --length 512 --completion 256 --rounds 2
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type HeadInput, initBackend, startTensorMemoryMeter, tf } from '@aligndial/core';
import { deterministicValues } from '@aligndial/core/testing';
import { kdLossFromHeads, kdLossFromTeacher } from '@aligndial/dpo';

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    rows: { type: 'string', default: '4' },
    length: { type: 'string', default: '512' },
    // Completion tokens per row (the positions Eq. 8 counts); the rest is prompt.
    completion: { type: 'string', default: '256' },
    rounds: { type: 'string', default: '2' },
    modes: { type: 'string', default: 'full,chunked,recompute' },
    mode: { type: 'string' },
  },
});
if (!values.config) throw new Error('--config FILE (a Hugging Face config.json) is required');
const config = JSON.parse(readFileSync(values.config, 'utf8')) as { hidden_size: number; vocab_size: number };
const [B, T, C] = [Number(values.rows), Number(values.length), Number(values.completion)];
const [D, V] = [config.hidden_size, config.vocab_size];
await initBackend('wasm');

const X = tf.variable(tf.tensor3d(deterministicValues(B * T * D, 1, 1), [B, T, D]), true, 'student.features');
const studentHead = tf.tensor2d(deterministicValues(D * V, 2, 0.05), [D, V]);
const teacherFeatures = tf.tensor3d(deterministicValues(B * T * D, 3, 1), [B, T, D]);
const teacherHead = tf.tensor2d(deterministicValues(D * V, 4, 0.05), [D, V]);
const head = (w: tf.Tensor2D) => (x: tf.Tensor3D) => tf.reshape(tf.matMul(tf.reshape(x, [-1, D]), w), [x.shape[0], x.shape[1], V]) as tf.Tensor3D;
const mask = Array.from({ length: B }, () => Array.from({ length: T }, (_, t) => (t >= T - C - 1 && t < T - 1 ? 1 : 0)));
const student: HeadInput = { features: X, head: head(studentHead), vocabSize: V, headVariables: [] };
const teacher: HeadInput = { features: teacherFeatures, head: head(teacherHead), vocabSize: V, headVariables: [] };

const losses: Record<string, () => tf.Scalar> = {
  full: () => kdLossFromTeacher(student.head(X), teacher.head(teacherFeatures), { mask }),
  chunked: () => kdLossFromHeads(student, teacher, { mask, recompute: false }),
  recompute: () => kdLossFromHeads(student, teacher, { mask }),
};
if (values.mode) {
  // One measurement in this process (a mode that runs out of wasm memory must not poison the others).
  const meter = startTensorMemoryMeter();
  const started = performance.now();
  const { value, grads } = tf.variableGrads(losses[values.mode], [X]);
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  console.log(JSON.stringify({ mode: values.mode, peak: meter.peakBytes, ms: performance.now() - started, loss }));
  process.exit(0);
}

const modes = values.modes!.split(',');
console.log(`KD loss + gradient, D = ${D}, V = ${V}, ${B} rows × ${T} tokens, ${C} counted per row; full logits [B, T, V] = ${((B * T * V * 4) / 2 ** 20).toFixed(0)} MiB each`);
const results: Record<string, { peak: number; ms: number[]; loss: number; error?: string }> = {};
for (let round = 0; round < Number(values.rounds); round++) {
  for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
    const entry = (results[mode] ??= { peak: 0, ms: [], loss: Number.NaN });
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2), '--mode', mode], { encoding: 'utf8' });
    const line = child.stdout.split('\n').find((l) => l.startsWith('{'));
    if (child.status !== 0 || !line) {
      const reason = child.stderr.split('\n').find((l) => /^(Aborted|RuntimeError|Error|.*out of memory)/.test(l.trim()));
      entry.error = (reason ?? `exit code ${child.status}`).trim().slice(0, 160);
      continue;
    }
    const r = JSON.parse(line) as { peak: number; ms: number; loss: number };
    entry.peak = Math.max(entry.peak, r.peak);
    entry.ms.push(r.ms);
    entry.loss = r.loss;
  }
}
const base = results.full;
for (const mode of modes) {
  const r = results[mode];
  if (r.ms.length === 0) {
    console.log(`${mode.padEnd(10)} failed: ${r.error}`);
    continue;
  }
  const ms = [...r.ms].sort((a, b) => a - b)[Math.floor(r.ms.length / 2)];
  const ratio = base && base.ms.length > 0 && mode !== 'full' ? ` (${(r.peak / base.peak).toFixed(3)}× the peak of full)` : '';
  console.log(`${mode.padEnd(10)} peak ${(r.peak / 2 ** 20).toFixed(0).padStart(6)} MiB${ratio}, ${ms.toFixed(0)} ms (median of ${r.ms.length}), loss ${r.loss.toFixed(6)}${r.error ? ` (a round failed: ${r.error})` : ''}`);
}
