import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../generation/generate.js';
import { sequenceLogProbs } from '../generation/logprobs.js';
import { createModelDecoder } from '../generation/step-decoder.js';
import { CheckpointReader } from '../io/checkpoint-reader.js';
import { type TensorToWrite, writeSafetensors } from '../io/safetensors-writer.js';
import { modelFingerprint } from '../model/fingerprint.js';
import { loadModel, saveModel } from '../model/pretrained.js';
import { configForShape, createRandomModel } from '../model/random-model.js';
import type { Transformer } from '../model/transformer.js';
import { initBackend } from '../runtime/backend.js';
import { tf } from '../runtime/tf.js';
import { HAS_STORIES260K, SHARED_ABSENT_MESSAGE, STORIES260K_DIR } from '../testing/shared-paths.js';
import { shutdownEngineThreads } from './engine.js';
import { EngineMatrix } from './engine-matrix.js';
import { engineLinear } from './linear-op.js';

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'aligndial-engine-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  shutdownEngineThreads();
});

function lastLogits(model: Transformer, ids: number[]): Float32Array {
  const out = model.forward([ids]);
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return data;
}

function relativeError(a: Float32Array, b: Float32Array): number {
  let err = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

/** A copy of a checkpoint directory with every tensor stored as BF16 (rounded to nearest even). */
function bf16Copy(src: string, out: string): string {
  const reader = CheckpointReader.open(src);
  const tensors: Record<string, TensorToWrite> = {};
  for (const name of reader.names()) tensors[name] = { dtype: 'BF16', shape: reader.info(name).shape, data: reader.readFloat32(name) };
  reader.close();
  writeSafetensors(join(out, 'model.safetensors'), tensors, { format: 'pt' });
  copyFileSync(join(src, 'config.json'), join(out, 'config.json'));
  return out;
}

describe('the engine linear op', () => {
  it('matches finite differences and tfjs matMul for the input gradient', () => {
    const [M, N, K] = [3, 5, 7];
    const w = tf.randomNormal([N, K], 0, 1, 'float32', 3);
    const matrix = EngineMatrix.fromFloat32(w.dataSync() as Float32Array, N, K, 'f32', 'grad test');
    const x = tf.randomNormal([M, K], 0, 1, 'float32', 4) as tf.Tensor2D;
    const r = tf.randomNormal([M, N], 0, 1, 'float32', 5);
    const f = (t: tf.Tensor) => tf.sum(tf.mul(engineLinear(t as tf.Tensor2D, matrix), r)) as tf.Scalar;
    const grad = tf.grad(f)(x);
    const reference = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.matMul(t as tf.Tensor2D, w as tf.Tensor2D, false, true), r)) as tf.Scalar)(x);
    expect(relativeError(grad.dataSync() as Float32Array, reference.dataSync() as Float32Array)).toBeLessThan(1e-6);
    // Central differences in float32: step 1e-2 on a linear function is exact up to rounding.
    const xs = x.dataSync() as Float32Array;
    const g = grad.dataSync();
    for (const i of [0, 4, 11, 20]) {
      const plus = xs.slice(), minus = xs.slice();
      plus[i] += 1e-2;
      minus[i] -= 1e-2;
      const fd = (f(tf.tensor2d(plus, [M, K])).dataSync()[0] - f(tf.tensor2d(minus, [M, K])).dataSync()[0]) / 2e-2;
      expect(Math.abs(fd - g[i])).toBeLessThan(2e-3 * Math.max(1, Math.abs(g[i])));
    }
    matrix.dispose();
    tf.dispose([w, x, r, grad, reference]);
  });
});

describe('a model with engine-held weights', () => {
  let tfDir: string;
  beforeAll(() => {
    tfDir = join(dir, 'random');
    const model = createRandomModel(configForShape('tiny', { architecture: 'qwen2', tieWordEmbeddings: false, qkvBias: true }), { seed: 3, biasStd: 0.1 });
    saveModel(model, tfDir);
    model.dispose();
  });

  it('trains through frozen layers: gradients of a tfjs variable below them match the tfjs path', () => {
    const batch = { inputIds: [[1, 5, 9, 40, 7]], attentionMask: [[1, 1, 1, 1, 1]], completionMask: [[0, 1, 1, 1, 1]] };
    const gradsOf = (model: Transformer) => {
      const v = model.layers[0].weights.inputNorm;
      v.trainable = true; // model weights are created frozen
      const { value, grads } = tf.variableGrads(() => tf.sum(sequenceLogProbs(model, batch)) as tf.Scalar, [v]);
      v.trainable = false;
      value.dispose();
      const g = grads[v.name].dataSync() as Float32Array;
      tf.dispose(Object.values(grads));
      return g;
    };
    const reference = loadModel(tfDir);
    const engine = loadModel(tfDir, { weights: 'f32' });
    expect(engine.parameters().has('layers.0.wqkv')).toBe(false);
    expect(engine.engineMatrices().has('layers.0.wqkv')).toBe(true);
    expect(relativeError(gradsOf(engine), gradsOf(reference))).toBeLessThan(1e-4);
    // A thawed matrix becomes a tfjs Variable with the same values and trains like one.
    expect(engine.thaw(['layers.1.wo', 'embed'])).toEqual(['layers.1.wo', 'embed']);
    expect(engine.parameters().get('layers.1.wo')?.shape).toEqual(reference.parameters().get('layers.1.wo')?.shape);
    expect(relativeError(lastLogits(engine, [1, 2, 3]), lastLogits(reference, [1, 2, 3]))).toBeLessThan(1e-5);
    expect(modelFingerprint(engine)).toEqual(modelFingerprint(reference));
    reference.dispose();
    engine.dispose();
  });

  it('keeps the fingerprint of the loaded weights whatever the storage type', () => {
    const reference = loadModel(tfDir);
    const int8 = loadModel(tfDir, { weights: 'int8' });
    expect(int8.weightStorage).toBe('int8');
    expect(modelFingerprint(int8).fingerprint).toBe(modelFingerprint(reference).fingerprint);
    reference.dispose();
    int8.dispose();
  });

});

if (!HAS_STORIES260K) console.warn(SHARED_ABSENT_MESSAGE);

describe.skipIf(!HAS_STORIES260K)('stories260K with bf16 and int8 storage', () => {
  it('bf16 storage of a bf16 checkpoint gives the fp32-upcast logits within 1e-5 relative (and auto picks bf16)', () => {
    const bf16Dir = bf16Copy(STORIES260K_DIR, mkdtempSync(join(dir, 'bf16-')));
    const upcast = loadModel(bf16Dir);
    const bf16 = loadModel(bf16Dir, { weights: 'auto' });
    expect(bf16.weightStorage).toBe('bf16');
    const ids = [1, 403, 407, 261, 378, 1205 % 512, 285, 9, 77, 300];
    const err = relativeError(lastLogits(bf16, ids), lastLogits(upcast, ids));
    console.log(`bf16 storage vs fp32 upcast of a bf16 checkpoint: max relative logit error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-5);
    upcast.dispose();
    bf16.dispose();
  });

  it('int8 storage agrees with f32 on ≥ 90% of 64 greedy tokens (logit error reported)', async () => {
    const f32 = loadModel(STORIES260K_DIR, { weights: 'f32' });
    const int8 = loadModel(STORIES260K_DIR, { weights: 'int8' });
    const run = async (model: Transformer) => {
      const decoder = createModelDecoder(model);
      const result = await generate(decoder, [[1]], { maxNewTokens: 64, temperature: 0 });
      decoder.dispose();
      return result.sequences[0].ids;
    };
    const a = await run(f32);
    const b = await run(int8);
    let agree = 0;
    while (agree < a.length && a[agree] === b[agree]) agree++;
    const sameTokens = a.filter((t, i) => t === b[i]).length;
    // Logit error on the f32 greedy sequence (same inputs for both).
    const err = relativeError(lastLogits(int8, [1, ...a]), lastLogits(f32, [1, ...a]));
    console.log(`int8 vs f32 on stories260K: ${sameTokens}/64 greedy tokens equal (first ${agree} identical), max relative logit error ${err.toExponential(2)}`);
    expect(sameTokens / 64).toBeGreaterThanOrEqual(0.9);
    f32.dispose();
    int8.dispose();
  });
});
