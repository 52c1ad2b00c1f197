import { getEngine } from './engine.js';
import { align } from './engine-memory.js';
import { Layout } from './kernel-exports.js';

/**
 * Attention of G query rows over Tk cached positions of one kv head, on the engine's SIMD kernels:
 * scores = q·Kᵀ (+ bias), softmax per row, out = P·V. q [G, hd] (already scaled), keys/values [Tk, hd],
 * bias [Tk] or undefined, out [G, hd]. The two products are the linear kernels with the cache rows as a
 * row-major weight (q·Kᵀ is `linear`, P·V the input-gradient form); the softmax stays in JS (exact `Math.exp`,
 * G·Tk values). Copying the rows in costs one pass over them, as reading them in a JS loop would, and the
 * multiply-adds then run 4 lanes wide instead of one float64 at a time.
 */
export function attendRows(q: Float32Array, keys: Float32Array, values: Float32Array, Tk: number, hd: number, G: number, bias: Float32Array | undefined, out: Float32Array): void {
  const e = getEngine();
  const mem = e.memory;
  const qBytes = G * hd * 4, kvBytes = Tk * hd * 4, sBytes = G * Tk * 4;
  const base = e.scratch(qBytes + 2 * kvBytes + sBytes + 256);
  const qOff = base, kOff = align(qOff + qBytes), vOff = align(kOff + kvBytes), sOff = align(vOff + kvBytes);
  mem.f32(qOff, G * hd).set(q);
  mem.f32(kOff, Tk * hd).set(keys);
  mem.f32(vOff, Tk * hd).set(values);
  // Main thread only: these are small, and a pool round trip would cost more than the work.
  e.k.linear_f32(qOff, G, hd, kOff, Layout.rowMajor, 0, sOff, Tk, 0, Tk);
  const scores = mem.f32(sOff, G * Tk);
  for (let g = 0; g < G; g++) {
    let max = -Infinity;
    for (let j = 0; j < Tk; j++) {
      const s = bias ? scores[g * Tk + j] + bias[j] : scores[g * Tk + j];
      scores[g * Tk + j] = s;
      if (s > max) max = s;
    }
    let total = 0;
    for (let j = 0; j < Tk; j++) {
      const p = Math.exp(scores[g * Tk + j] - max);
      scores[g * Tk + j] = p;
      total += p;
    }
    const inv = 1 / total;
    for (let j = 0; j < Tk; j++) scores[g * Tk + j] *= inv;
  }
  // out [G, hd] = P [G, Tk] · V [Tk, hd]: dX = dY·W with V as a row-major [Tk, hd] weight.
  e.k.linear_grad_f32(sOff, G, Tk, vOff, Layout.rowMajor, hd, 0, qOff, hd, 0, hd);
  out.set(mem.f32(qOff, G * hd));
}
