import { initBackend, tf } from '@aligndial/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { composeHooks } from '@aligndial/core';
import { createEditHooks } from './edit.js';
import { alignEzEditVector } from './edit-vector.js';
import { addComponent, alignEzEdit, removeComponent } from './steering.js';
import type { AlignEzEdits, CaaEdits, EditsManifest } from './edits-types.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const values = (t: tf.Tensor) => Array.from(t.dataSync());
const inner = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);

describe('the AlignEZ edit (Sec. 2.3)', () => {
  it('removes the harmful component exactly in step 1 (⟨x̂, θ_harm⟩ = 0), for unnormalised directions too', () => {
    const x = tf.tensor3d([[[0.5, -1.2, 2.0, 0.3]], [[1, 1, 1, 1]]]);
    const harm = tf.tensor1d([0.3, 2, -1, 0.5]);
    const step1 = removeComponent(x, harm);
    const h = values(harm);
    const rows = values(step1);
    expect(Math.abs(inner(rows.slice(0, 4), h))).toBeLessThan(1e-6);
    expect(Math.abs(inner(rows.slice(4, 8), h))).toBeLessThan(1e-6);
  });

  it('then adds the helpful component once more: ⟨x̂,θ_help⟩ doubles at α = 1', () => {
    const x = tf.tensor2d([[1, 2, 3]]);
    const help = tf.tensor1d([0, 0, 2]);
    expect(values(addComponent(x, help))).toEqual([1, 2, 6]);
    const harm = tf.tensor1d([1, 0, 0]);
    expect(values(alignEzEdit(x, help, harm))).toEqual([0, 2, 6]);
    // α scales both terms: α = 0.5 removes half the harmful and adds half the helpful component.
    expect(values(alignEzEdit(x, help, harm, 0.5))).toEqual([0.5, 2, 4.5]);
    expect(values(alignEzEdit(x, help, harm, 0))).toEqual([1, 2, 3]);
  });

  it('leaves x unchanged when both directions are orthogonal to it', () => {
    const x = tf.tensor3d([[[1, -2, 0, 0], [3, 0.5, 0, 0]]]);
    const help = tf.tensor1d([0, 0, 1, 0]);
    const harm = tf.tensor1d([0, 0, 0.3, -0.7]);
    expect(values(alignEzEdit(x, help, harm))).toEqual(values(x));
  });

  it('is invariant to the sign of θ_help and θ_harm, and equals the plain-JS edit the diagnostics use', () => {
    const x = tf.tensor3d([[[1, -2, 0.5, 3], [0.2, 0.4, -1, 2]]]);
    const help = [0.5, 0.1, -0.3, 0.8];
    const harm = [-0.2, 0.9, 0.1, 0.3];
    const neg = (v: number[]) => v.map((a) => -a);
    const edited = values(alignEzEdit(x, tf.tensor1d(help), tf.tensor1d(harm), 1.5));
    const flipped = values(alignEzEdit(x, tf.tensor1d(neg(help)), tf.tensor1d(neg(harm)), 1.5));
    flipped.forEach((v, i) => expect(v).toBeCloseTo(edited[i], 5));
    const row = alignEzEditVector([0.2, 0.4, -1, 2], help, harm, 1.5);
    row.forEach((v, j) => expect(v).toBeCloseTo(edited[4 + j], 5));
  });
});

function manifest(method: 'alignez' | 'caa', layers: number[], D: number): EditsManifest {
  return {
    format: 'aligndial.edits',
    version: 1,
    method,
    createdAt: '',
    model: { fingerprint: '', configHash: '', weightsHash: '', architecture: 'llama', hiddenSize: D, numLayers: 3, vocabSize: 10 },
    layers,
    hiddenSize: D,
    pooling: 'last',
    maxTokens: 16,
  };
}

describe('createEditHooks', () => {
  const edits: AlignEzEdits = {
    method: 'alignez',
    manifest: manifest('alignez', [1], 3),
    layers: [1],
    help: [Float32Array.from([0, 0, 1])],
    harm: [Float32Array.from([1, 0, 0])],
  };

  it('edits only the selected layers, at every position', () => {
    const hooks = createEditHooks(edits);
    const x = tf.tensor3d([[[1, 2, 3], [4, 5, 6]]]);
    expect(hooks.mlpOutput!(0, x)).toBeUndefined();
    expect(values(hooks.mlpOutput!(1, x) as tf.Tensor)).toEqual([0, 2, 6, 0, 5, 12]);
    hooks.dispose();
  });

  it('applies CAA as x + α·v and composes hooks in order', () => {
    const caa: CaaEdits = { method: 'caa', manifest: manifest('caa', [0], 3), layers: [0], vectors: [Float32Array.from([1, -1, 0.5])] };
    const hooks = createEditHooks(caa, { strength: 2 });
    const x = tf.tensor3d([[[1, 2, 3]]]);
    expect(values(hooks.mlpOutput!(0, x) as tf.Tensor)).toEqual([3, 0, 4]);
    const both = composeHooks(hooks, createEditHooks({ ...edits, layers: [0], manifest: manifest('alignez', [0], 3) }));
    // CAA first → [3, 0, 4], then AlignEZ: drop x[0], double x[2].
    expect(values(both.mlpOutput!(0, x) as tf.Tensor)).toEqual([0, 0, 8]);
    hooks.dispose();
  });

  it('per-row directions: one per batch row, tiled over a doubled batch (CLM λ-merge), else an error', () => {
    const rowsEdits: AlignEzEdits = { ...edits, layers: [0], manifest: manifest('alignez', [0], 3) };
    const directions = [
      { layers: [0], help: [Float32Array.from([0, 0, 1])], harm: [Float32Array.from([1, 0, 0])] },
      { layers: [0], help: [Float32Array.from([1, 0, 0])], harm: [Float32Array.from([0, 1, 0])] },
    ];
    const hooks = createEditHooks(rowsEdits, { directions });
    const two = tf.tensor3d([[[1, 2, 3]], [[1, 2, 3]]]);
    expect(values(hooks.mlpOutput!(0, two) as tf.Tensor)).toEqual([0, 2, 6, 2, 0, 3]);
    const four = tf.concat([two, two], 0) as tf.Tensor3D;
    expect(values(hooks.mlpOutput!(0, four) as tf.Tensor)).toEqual([0, 2, 6, 2, 0, 3, 0, 2, 6, 2, 0, 3]);
    expect(() => hooks.mlpOutput!(0, tf.tensor3d([[[1, 2, 3]], [[1, 2, 3]], [[1, 2, 3]]]))).toThrow(/directions for 2 rows/);
    hooks.dispose();
  });

  it('refuses knn edits without a query', () => {
    const knn: AlignEzEdits = { ...edits, knn: { k: 1, ids: ['a'], queries: [[Float32Array.from([1, 0, 0])]], help: [[Float32Array.from([0, 0, 1])]], harm: [[Float32Array.from([1, 0, 0])]] } };
    expect(() => createEditHooks(knn)).toThrow(/knn mode/);
    const hooks = createEditHooks(knn, { queryEmbeddings: [[Float32Array.from([1, 0.1, 0])]] });
    expect(hooks.neighbours).toEqual([['a']]);
    hooks.dispose();
  });
});
