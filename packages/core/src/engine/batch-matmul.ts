import { AligndialError } from '../errors.js';
import { getEngine } from './engine.js';
import { align } from './engine-memory.js';
import { Layout, Op } from './kernel-exports.js';

/**
 * C[i] = A[i] · B[i] (or A[i] · B[i]ᵀ) for i < `batch`, float32 activations on both sides, on the engine's
 * threads: attention's scores (Q·Kᵀ) and context (P·V) at prefill and training sizes. A is [batch, M, K];
 * B is [batch, K, N], or [batch, N, K] with `transposeB`; C is [batch, M, N]. The same kernels as the
 * linear layers: A·Bᵀ is `linear` with B as the weight, A·B is the input-gradient kernel with B as W.
 */
export function batchMatMulInto(a: Float32Array, b: Float32Array, batch: number, M: number, K: number, N: number, transposeB: boolean, out: Float32Array): void {
  if (a.length !== batch * M * K || b.length !== batch * K * N || out.length !== batch * M * N) {
    throw new AligndialError(`engine batchMatMul: sizes ${a.length}, ${b.length}, ${out.length} do not match batch ${batch} × [${M}, ${K}] · [${K}, ${N}]`);
  }
  if (batch === 0 || M === 0 || N === 0) return;
  const e = getEngine();
  const mem = e.memory;
  const aBytes = a.length * 4, bBytes = b.length * 4, cBytes = out.length * 4;
  const base = e.scratch(aBytes + bBytes + cBytes + 192);
  const aOff = base, bOff = align(aOff + aBytes), cOff = align(bOff + bBytes);
  mem.f32(aOff, a.length).set(a);
  mem.f32(bOff, b.length).set(b);
  if (K === 0) mem.f32(cOff, out.length).fill(0);
  else {
    for (let i = 0; i < batch; i++) {
      const ai = aOff + i * M * K * 4, bi = bOff + i * K * N * 4, ci = cOff + i * M * N * 4;
      // linear_f32(x, M, K, w [N, K], row-major, bias, y, N) / linear_grad_f32(dy [M, K], M, K, w [K, N], row-major, ld N, -, dx [M, N], N).
      if (transposeB) e.run(Op.linearF32, [ai, M, K, bi, Layout.rowMajor, 0, ci, N], N, e.chunkFor(N, 16));
      else e.run(Op.gradF32, [ai, M, K, bi, Layout.rowMajor, N, 0, ci, N], N, e.chunkFor(N, 32));
    }
  }
  out.set(mem.f32(cOff, out.length));
}

