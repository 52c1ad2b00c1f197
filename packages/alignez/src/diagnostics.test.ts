import { Rng } from '@aligndial/core';
import { describe, expect, it } from 'vitest';
import { alignEzDiagnostics } from './diagnostics.js';
import { alignEzEditVector } from './edit-vector.js';
import { topSingularVector } from './power-iteration.js';

const D = 16;
const axis = (j: number, scale = 1) => Float32Array.from({ length: D }, (_, i) => (i === j ? scale : 0));

/** n pairs at one layer: shared mean `mean` + help/harm offsets + noise. */
function pairsAt(n: number, mean: Float32Array, helpOffset: Float32Array, harmOffset: Float32Array, noise: number, seed: number) {
  const rng = new Rng(seed);
  const sample = (offset: Float32Array) => Float32Array.from({ length: D }, (_, i) => mean[i] + offset[i] + noise * rng.normal());
  const help = Array.from({ length: n }, () => [sample(helpOffset)]);
  const harm = Array.from({ length: n }, () => [sample(harmOffset)]);
  const fit = (rows: Float32Array[][]) => topSingularVector(rows.map((r) => r[0])).vector;
  return { pairs: { help, harm }, fits: { help: [fit(help)], harm: [fit(harm)] } };
}

describe('AlignEZ diagnostics', () => {
  it('a large shared mean: θ_help ≈ θ_harm ≈ the mean direction, and θ_help does not separate held-out pairs', () => {
    // Help and harm differ by ±0.3 along axis 1; the mean along axis 0 is 10: uncentred SVD finds the mean.
    const { pairs, fits } = pairsAt(40, axis(0, 10), axis(1, 0.3), axis(1, -0.3), 0.2, 1);
    const d = alignEzDiagnostics(pairs, fits);
    expect(d.helpHarmCosine[0]).toBeGreaterThan(0.99);
    expect(d.helpMeanCosine[0]).toBeGreaterThan(0.99);
    expect(d.folds).toBe(5);
    expect(Math.abs(d.heldOut[0].effectSize)).toBeLessThan(0.8);
    // The signal is there: the contrastive direction mean(help − harm) separates held-out pairs.
    expect(d.contrastHeldOut[0].pairAccuracy).toBeGreaterThan(0.95);
    expect(d.contrastHeldOut[0].effectSize).toBeGreaterThan(2);
    // The edit then removes the shared component: nearly all of x.
    expect(d.editScale[0]).toBeGreaterThan(0.9);
  });

  it('a helpful axis with no shared mean: θ_help is that axis and separates held-out pairs', () => {
    const { pairs, fits } = pairsAt(40, axis(0, 0), axis(2, 3), axis(3, 3), 0.5, 2);
    const d = alignEzDiagnostics(pairs, fits);
    expect(Math.abs(d.helpHarmCosine[0])).toBeLessThan(0.3);
    expect(d.heldOut[0].help).toBeGreaterThan(2);
    expect(d.heldOut[0].effectSize).toBeGreaterThan(3);
    expect(d.heldOut[0].pairAccuracy).toBeGreaterThan(0.95);
  });

  it('too few pairs: no cross-fit', () => {
    const { pairs, fits } = pairsAt(3, axis(0, 1), axis(1, 1), axis(2, 1), 0.1, 3);
    const d = alignEzDiagnostics(pairs, fits);
    expect(d.folds).toBe(0);
    expect(d.heldOut).toEqual([]);
    expect(d.contrastHeldOut).toEqual([]);
  });

  it('alignEzEditVector: with θ_help = θ_harm the edit is x minus its component along θ', () => {
    const theta = Float32Array.from({ length: D }, (_, i) => (i < 2 ? Math.SQRT1_2 : 0));
    const x = Float32Array.from({ length: D }, (_, i) => i + 1);
    const out = alignEzEditVector(x, theta, theta);
    const along = (x[0] + x[1]) * Math.SQRT1_2;
    expect(out[0]).toBeCloseTo(x[0] - along * Math.SQRT1_2, 5);
    expect(out[5]).toBe(x[5]);
  });
});
