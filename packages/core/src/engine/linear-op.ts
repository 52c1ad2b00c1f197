import { registerJsKernel, runKernel } from '../runtime/js-kernel.js';
import { tf } from '../runtime/tf.js';
import { type EngineMatrix, matrixById } from './engine-matrix.js';

const LINEAR = 'AligndialLinear';
const LINEAR_GRAD = 'AligndialLinearGrad';

// x [M, K] → x · Wᵀ [M, N] with W held by the engine (attrs.matrix is its id).
registerJsKernel({
  name: LINEAR,
  inputs: ['x'],
  outputShapes: ([x], attrs) => [[x[0], matrixById(attrs.matrix as number).rows]],
  body: ([x], [y], attrs, [shape]) => {
    matrixById(attrs.matrix as number).linear(x, shape[0], y);
  },
});

// dY [M, N] → dY · W [M, K]: the input gradient, also in the engine.
registerJsKernel({
  name: LINEAR_GRAD,
  inputs: ['dy'],
  outputShapes: ([dy], attrs) => [[dy[0], matrixById(attrs.matrix as number).cols]],
  body: ([dy], [dx], attrs, [shape]) => {
    matrixById(attrs.matrix as number).linearGrad(dy, shape[0], dx);
  },
});

// The weights are frozen: only the input gets a gradient.
tf.registerGradient({
  kernelName: LINEAR,
  inputsToSave: [],
  gradFunc: (dy, _saved, attrs) => ({
    x: () => runKernel<tf.Tensor2D>(LINEAR_GRAD, { dy: dy as tf.Tensor }, { matrix: (attrs as { matrix: number }).matrix }),
  }),
});

/**
 * y [M, N] = x [M, K] · Wᵀ for a frozen weight W held by the engine; differentiable with
 * respect to x. Runs on the wasm and cpu backends (the engine's memory is separate from both
 * heaps: x is copied in and y out, a small cost next to reading W).
 */
export function engineLinear(x: tf.Tensor2D, w: EngineMatrix): tf.Tensor2D {
  return runKernel<tf.Tensor2D>(LINEAR, { x }, { matrix: w.id });
}
