import { describe, expect, it } from 'vitest';
import { attendRows } from './attend.js';
import { deterministicValues as values } from '../testing/deterministic-values.js';

/** softmax(q·Kᵀ + bias)·V in float64, one query row at a time. */
function reference(q: Float32Array, keys: Float32Array, vals: Float32Array, Tk: number, hd: number, G: number, bias?: Float32Array): Float64Array {
  const out = new Float64Array(G * hd);
  for (let g = 0; g < G; g++) {
    const s = new Float64Array(Tk);
    for (let j = 0; j < Tk; j++) {
      for (let i = 0; i < hd; i++) s[j] += q[g * hd + i] * keys[j * hd + i];
      if (bias) s[j] += bias[j];
    }
    const max = Math.max(...s);
    let total = 0;
    for (let j = 0; j < Tk; j++) total += (s[j] = Math.exp(s[j] - max));
    for (let j = 0; j < Tk; j++) for (let i = 0; i < hd; i++) out[g * hd + i] += (s[j] / total) * vals[j * hd + i];
  }
  return out;
}

describe('attendRows', () => {
  for (const [Tk, hd, G] of [[1, 8, 1], [37, 64, 1], [100, 12, 3], [513, 64, 7], [9, 128, 8]]) {
    it(`matches float64 attention for Tk=${Tk} hd=${hd} G=${G}, with and without a bias`, () => {
      const q = values(G * hd, Tk), keys = values(Tk * hd, hd), vals = values(Tk * hd, G + 11);
      const bias = values(Tk, 5).map((b, j) => (j % 3 === 0 ? -1e9 : b));
      if (Tk === 1) bias[0] = 0;
      for (const b of [undefined, bias]) {
        const out = new Float32Array(G * hd);
        attendRows(q, keys, vals, Tk, hd, G, b, out);
        const want = reference(q, keys, vals, Tk, hd, G, b);
        for (let i = 0; i < out.length; i++) expect(Math.abs(out[i] - want[i])).toBeLessThan(1e-5);
      }
    });
  }
});
