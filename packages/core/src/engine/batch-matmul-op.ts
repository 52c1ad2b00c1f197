import { registerJsKernel, runKernel } from '../runtime/js-kernel.js';
import { swapLastTwo } from '../runtime/matmul-gradient.js';
import { tf } from '../runtime/tf.js';
import { engineAvailable } from './availability.js';
import { batchMatMulInto } from './batch-matmul.js';
import { GEMM_MIN_ROWS } from './kernel-exports.js';

const BATCH_MATMUL = 'AligndialBatchMatMul';

const rows = (s: readonly number[]) => s[s.length - 2];
const cols = (s: readonly number[]) => s[s.length - 1];
const batchOf = (s: readonly number[]) => s.slice(0, -2).reduce((p, d) => p * d, 1);

// a [..., M, K] · b [..., K, N] (or b [..., N, K] with transposeB) → [..., M, N]; equal batch dimensions.
registerJsKernel({
  name: BATCH_MATMUL,
  inputs: ['a', 'b'],
  outputShapes: ([a, b], attrs) => [[...a.slice(0, -1), attrs.transposeB ? rows(b) : cols(b)]],
  body: ([a, b], [c], attrs, [sa, sb]) => {
    const transposeB = attrs.transposeB as boolean;
    batchMatMulInto(a, b, batchOf(sa), rows(sa), cols(sa), transposeB ? rows(sb) : cols(sb), transposeB, c);
  },
});

const run = (a: tf.Tensor, b: tf.Tensor, transposeB: boolean) => runKernel<tf.Tensor>(BATCH_MATMUL, { a, b }, { transposeB });

tf.registerGradient({
  kernelName: BATCH_MATMUL,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved;
    const g = dy as tf.Tensor;
    // C = A·Bᵀ: dA = dC·B, dB = dCᵀ·A.  C = A·B: dA = dC·Bᵀ, dB = Aᵀ·dC.
    return (attrs as { transposeB: boolean }).transposeB
      ? { a: () => run(g, b, false), b: () => run(swapLastTwo(g), a, false) }
      : { a: () => run(g, b, true), b: () => run(swapLastTwo(a), g, false) };
  },
});

/**
 * a · b (or a · bᵀ) over equal leading batch dimensions, the way attention multiplies: through the engine's
 * GEMM kernels on the wasm and cpu backends when there are enough rows (prefill, training; tfjs-wasm's batched
 * matMul is a plain loop there, ~1 GFLOP/s), else tfjs' matMul. Differentiable in both inputs.
 */
export function batchMatMul(a: tf.Tensor, b: tf.Tensor, transposeB = false): tf.Tensor {
  const sameBatch = a.rank === b.rank && a.rank >= 3 && a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
  if (sameBatch && rows(a.shape) >= GEMM_MIN_ROWS && engineAvailable()) return run(a, b, transposeB);
  if (!transposeB) return tf.matMul(a, b);
  // One row: wasm's batched matMul with transposeB is fastest there; longer blocks keep tfjs' plain path.
  return rows(a.shape) === 1 ? tf.matMul(a, b, false, true) : tf.matMul(a, swapLastTwo(b));
}
