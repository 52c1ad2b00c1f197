import { attendRows } from '../../engine/attend.js';
import { hasKernel, registerJsKernel, runKernel } from '../../runtime/js-kernel.js';
import type { tf } from '../../runtime/tf.js';

const KERNEL = 'AligndialDecodeAttention';
/**
 * Query-head × position × head-size products per kv head from which attention runs on the engine's kernels:
 * below it copying the rows in costs more than the float64 loop (stories110M, G = 1: break-even near 50
 * positions; with grouped heads the copy is shared, so sooner). `bench/profile-decode.ts --prompt P`.
 */
const ENGINE_MIN_WORK = 4096;

/** Cache capacity for `needed` positions when a buffer must grow: doubling keeps appends amortised O(1). */
export function grownCapacity(current: number, needed: number): number {
  return Math.max(64, 2 * current, needed);
}

/**
 * One decode step of grouped-query attention as a single JS kernel: writes the new key/value row
 * into the cache at position L and attends over positions 0..L. The cache buffers [B, K, C, hd]
 * have spare capacity C ≥ L + 1 and are updated in place (the outputs alias them); only when
 * they are full is a larger buffer allocated and the rows copied over. This replaces two concats
 * that copied the whole cache every step, two batched matMuls, a softmax, the mask add and the
 * reshapes between them — for one query row per sequence those cost more in per-op overhead and
 * copying than in arithmetic. From ENGINE_MIN_WORK products per kv head on, they run on the
 * matmul engine's SIMD kernels (`engine/attend.ts`: 4-lane float32 instead of a float64 JS loop). Inference
 * only (no gradient).
 */
registerJsKernel({
  name: KERNEL,
  inputs: ['q', 'k', 'v', 'pastKeys', 'pastValues', 'bias'],
  outputShapes: ([q, , , past], a) => {
    const [B, K, C, hd] = past;
    const L = a.length as number;
    const capacity = L + 1 <= C ? C : grownCapacity(C, L + 1);
    return [q, [B, K, capacity, hd], [B, K, capacity, hd]];
  },
  inPlace: ([, , , past], a) => ((a.length as number) + 1 <= past[2] ? [undefined, 3, 4] : []),
  body: ([q, k, v, pastK, pastV, bias], [out, keys, values], a, shapes) => {
    const [B, K, C, hd] = shapes[3];
    const L = a.length as number;
    const H = a.numHeads as number;
    const G = H / K;
    const Tk = L + 1;
    const capacity = keys.length / (B * K * hd);
    const hasBias = a.hasBias as boolean;
    const useEngine = G * Tk * hd >= ENGINE_MIN_WORK;
    const scores = new Float64Array(Tk);
    const query = new Float64Array(hd);
    const acc = new Float64Array(hd);
    for (let b = 0; b < B; b++) {
      for (let kh = 0; kh < K; kh++) {
        const base = (b * K + kh) * capacity * hd;
        if (capacity !== C) {
          // Grown: copy the L valid rows of this (b, kv head) block into the larger buffer.
          const pastBase = (b * K + kh) * C * hd;
          keys.set(pastK.subarray(pastBase, pastBase + L * hd), base);
          values.set(pastV.subarray(pastBase, pastBase + L * hd), base);
        }
        const newRow = (b * K + kh) * hd;
        keys.set(k.subarray(newRow, newRow + hd), base + L * hd);
        values.set(v.subarray(newRow, newRow + hd), base + L * hd);
        if (useEngine) {
          // The G query heads of this kv head are contiguous in q and out.
          const qOff = (b * H + kh * G) * hd;
          attendRows(q.subarray(qOff, qOff + G * hd), keys.subarray(base, base + Tk * hd), values.subarray(base, base + Tk * hd), Tk, hd, G, hasBias ? bias.subarray(b * Tk, (b + 1) * Tk) : undefined, out.subarray(qOff, qOff + G * hd));
          continue;
        }
        for (let g = 0; g < G; g++) {
          const qOff = (b * H + kh * G + g) * hd;
          for (let i = 0; i < hd; i++) query[i] = q[qOff + i];
          let max = -Infinity;
          for (let j = 0; j < Tk; j++) {
            const kOff = base + j * hd;
            // Four partial sums: shorter dependency chains run faster in V8.
            let s0 = 0;
            let s1 = 0;
            let s2 = 0;
            let s3 = 0;
            let i = 0;
            for (; i + 3 < hd; i += 4) {
              s0 += query[i] * keys[kOff + i];
              s1 += query[i + 1] * keys[kOff + i + 1];
              s2 += query[i + 2] * keys[kOff + i + 2];
              s3 += query[i + 3] * keys[kOff + i + 3];
            }
            for (; i < hd; i++) s0 += query[i] * keys[kOff + i];
            const dot = s0 + s1 + s2 + s3 + (hasBias ? bias[b * Tk + j] : 0);
            scores[j] = dot;
            if (dot > max) max = dot;
          }
          let total = 0;
          for (let j = 0; j < Tk; j++) {
            const e = Math.exp(scores[j] - max);
            scores[j] = e;
            total += e;
          }
          acc.fill(0);
          for (let j = 0; j < Tk; j++) {
            const p = scores[j] / total;
            const vOff = base + j * hd;
            for (let i = 0; i < hd; i++) acc[i] += p * values[vOff + i];
          }
          for (let i = 0; i < hd; i++) out[qOff + i] = acc[i];
        }
      }
    }
  },
});

/** Whether the fused decode-attention kernel runs on the active backend. */
export function hasDecodeAttention(): boolean {
  return hasKernel(KERNEL);
}

/**
 * q [B, H·hd] (already scaled), new k/v [B, K·hd], cache buffers [B, K, C, hd] holding `length`
 * valid positions (C ≥ length; the caller must own them: they are written in place), optional
 * additive bias [B, length + 1] (absent: every position is visible) → { output [B, H·hd], keys,
 * values [B, K, C', hd] } with C' = C
 * while there is room, else a grown buffer.
 */
export function decodeAttention(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  pastKeys: tf.Tensor4D,
  pastValues: tf.Tensor4D,
  bias: tf.Tensor | undefined,
  numHeads: number,
  length: number,
): { output: tf.Tensor2D; keys: tf.Tensor4D; values: tf.Tensor4D } {
  // Without a bias the kernel never reads that input; q stands in so nothing is allocated per step.
  const inputs = { q, k, v, pastKeys, pastValues, bias: bias ?? q };
  const [output, keys, values] = runKernel<tf.Tensor[]>(KERNEL, inputs, { numHeads, length, hasBias: bias !== undefined });
  return { output: output as tf.Tensor2D, keys: keys as tf.Tensor4D, values: values as tf.Tensor4D };
}
