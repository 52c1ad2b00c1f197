import { afterAll, describe, expect, it } from 'vitest';
import { configureEngineThreads, shutdownEngineThreads } from './engine.js';
import { EngineMatrix, type WeightStorage } from './engine-matrix.js';
import { GEMM_MIN_ROWS } from './kernel-exports.js';
import { deterministicValues as values } from '../testing/deterministic-values.js';

afterAll(() => shutdownEngineThreads());

/** The weights the kernels actually multiply by (bf16 rounding / int8 dequantisation applied), for the float64 reference. */
function effectiveWeights(m: EngineMatrix): Float32Array {
  return m.toFloat32();
}

function referenceLinear(x: Float32Array, M: number, w: Float32Array, N: number, K: number, bias?: Float32Array): Float64Array {
  const y = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = bias ? bias[n] : 0;
      for (let k = 0; k < K; k++) s += x[m * K + k] * w[n * K + k];
      y[m * N + n] = s;
    }
  return y;
}

function referenceGrad(dy: Float32Array, M: number, w: Float32Array, N: number, K: number): Float64Array {
  const dx = new Float64Array(M * K);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) dx[m * K + k] += dy[m * N + n] * w[n * K + k];
  return dx;
}

function maxRelError(got: Float32Array, want: Float64Array): number {
  let scale = 0, err = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
  return err / scale;
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 5],
  [2, 33, 67],
  [3, 64, 96],
  [4, 130, 45],
  [5, 17, 200],
  [9, 128, 256],
  // Many rows (GEMM_MIN_ROWS and up): float32 panels; tails in every dimension (rows % 4, columns % 8, K % 256).
  [8, 8, 32],
  [13, 41, 300],
  [35, 70, 520],
];

describe('EngineMatrix kernels', () => {
  for (const storage of ['f32', 'bf16', 'int8'] as WeightStorage[]) {
    for (const [M, N, K] of SHAPES) {
      it(`${storage}: y = x·Wᵀ + b and dX = dY·W for M=${M} N=${N} K=${K}`, () => {
        const w = values(N * K, N * 31 + K);
        const x = values(M * K, M * 7 + K);
        const bias = values(N, N + 1);
        const dy = values(M * N, M * 3 + N);
        const matrix = EngineMatrix.fromFloat32(w, N, K, storage, `test ${storage}`);
        try {
          const wEff = effectiveWeights(matrix);
          // Storage error: bf16 keeps 8 mantissa bits, int8 ~7 bits per block.
          const storageTol = storage === 'f32' ? 0 : storage === 'bf16' ? 2 ** -8 : 1 / 127;
          let storageErr = 0;
          for (let i = 0; i < w.length; i++) storageErr = Math.max(storageErr, Math.abs(wEff[i] - w[i]));
          expect(storageErr).toBeLessThanOrEqual(storageTol + 1e-7);
          // Arithmetic error against the stored weights: float32 accumulation (int8 also rounds x to 15 bits).
          const y = matrix.linear(x, M, undefined, bias);
          expect(maxRelError(y, referenceLinear(x, M, wEff, N, K, bias))).toBeLessThan(storage === 'int8' ? 2e-4 : 1e-5);
          const dx = matrix.linearGrad(dy, M);
          expect(maxRelError(dx, referenceGrad(dy, M, wEff, N, K))).toBeLessThan(1e-5);
        } finally {
          matrix.dispose();
        }
      });
    }
  }

  it('stores bfloat16 bits exactly and reads them back', () => {
    const bits = new Uint16Array([0x3f80, 0xbf80, 0x4049, 0x0000, 0x8001, 0x7f7f]);
    const m = new EngineMatrix(2, 3, 'bf16', 'bits');
    m.writeRows(0, { bf16: bits });
    const f = m.toFloat32();
    expect(Array.from(new Uint32Array(f.buffer), (u) => u >>> 16)).toEqual(Array.from(bits));
    m.dispose();
    // Into f32 storage the bits widen exactly too.
    const wide = new EngineMatrix(2, 3, 'f32', 'bits');
    wide.writeRows(0, { bf16: bits });
    expect(Array.from(wide.toFloat32())).toEqual(Array.from(f));
    wide.dispose();
  });

  it('gives equal results with 1, 2 and 4 threads', () => {
    const [M, N, K] = [3, 1000, 300];
    const w = values(N * K, 5);
    const x = values(M * K, 6);
    const dy = values(M * N, 7);
    const rowsMany = GEMM_MIN_ROWS + 5;
    const xMany = values(rowsMany * K, 8);
    const dyMany = values(rowsMany * N, 9);
    const results: Record<string, Float32Array[]> = {};
    for (const storage of ['f32', 'bf16', 'int8'] as WeightStorage[]) {
      const matrix = EngineMatrix.fromFloat32(w, N, K, storage, 'threads');
      for (const threads of [1, 2, 4]) {
        configureEngineThreads(threads);
        const out = [matrix.linear(x, M), matrix.linearGrad(dy, M), matrix.linear(x.subarray(0, K), 1), matrix.linear(xMany, rowsMany), matrix.linearGrad(dyMany, rowsMany)];
        results[storage] ??= out;
        for (let i = 0; i < out.length; i++) expect(Buffer.from(out[i].buffer).equals(Buffer.from(results[storage][i].buffer))).toBe(true);
      }
      matrix.dispose();
    }
    configureEngineThreads(undefined);
  });

  it('stores rows written in pieces at any offset (packed groups of 4 split across writes) and gathers them in any order', () => {
    const [N, K] = [11, 37];
    const w = values(N * K, 21);
    for (const storage of ['f32', 'bf16', 'int8'] as WeightStorage[]) {
      const whole = EngineMatrix.fromFloat32(w, N, K, storage, 'whole');
      const pieces = new EngineMatrix(N, K, storage, 'pieces');
      for (const [r0, r1] of [[0, 3], [3, 5], [5, 10], [10, 11]]) pieces.writeRows(r0, w.subarray(r0 * K, r1 * K));
      const all = whole.toFloat32();
      expect(Buffer.from(pieces.toFloat32().buffer).equals(Buffer.from(all.buffer))).toBe(true);
      if (storage === 'f32') expect(Array.from(all)).toEqual(Array.from(w));
      const ids = [10, 0, 3, 4, 5, 5, 9];
      const gathered = pieces.gatherRows(ids);
      ids.forEach((id, i) => expect(Array.from(gathered.subarray(i * K, (i + 1) * K))).toEqual(Array.from(all.subarray(id * K, (id + 1) * K))));
      whole.dispose();
      pieces.dispose();
    }
  });

  it('computes each row of a 2-row input exactly as a 1-row input (CLM runs both paths as one batch)', () => {
    const [N, K] = [67, 96];
    const w = values(N * K, 31);
    const x = values(2 * K, 32);
    const dy = values(2 * N, 33);
    for (const storage of ['f32', 'bf16', 'int8'] as WeightStorage[]) {
      const m = EngineMatrix.fromFloat32(w, N, K, storage, 'pair');
      const both = m.linear(x, 2);
      const bothGrad = m.linearGrad(dy, 2);
      for (let r = 0; r < 2; r++) {
        expect(Array.from(m.linear(x.subarray(r * K, (r + 1) * K), 1))).toEqual(Array.from(both.subarray(r * N, (r + 1) * N)));
        expect(Array.from(m.linearGrad(dy.subarray(r * N, (r + 1) * N), 1))).toEqual(Array.from(bothGrad.subarray(r * K, (r + 1) * K)));
      }
      m.dispose();
    }
  });

  it('refuses wrong input sizes with the matrix name', () => {
    const m = EngineMatrix.fromFloat32(values(6, 1), 2, 3, 'f32', 'model.layers.0.mlp');
    expect(() => m.linear(new Float32Array(4), 1)).toThrow(/model\.layers\.0\.mlp: input has 4 values; expected 1 × 3/);
    m.dispose();
    expect(() => m.linear(new Float32Array(3), 1)).toThrow(/disposed/);
  });
});
