import { EngineMatrix } from '../engine/engine-matrix.js';
import { engineLinear } from '../engine/linear-op.js';
import { tf } from '../runtime/tf.js';

/**
 * A weight matrix of a linear layer: a tfjs Variable laid out [in, out] for `x · W` (trainable,
 * any backend), or a frozen `EngineMatrix` [out, in] in the matmul engine's memory (wasm/cpu).
 */
export type LinearWeight = tf.Variable | EngineMatrix;

/** x [M, in] · W (+ b) → [M, out], through the engine when W lives there. */
export function linear(x: tf.Tensor2D, w: LinearWeight, b?: tf.Tensor): tf.Tensor2D {
  const y = w instanceof EngineMatrix ? engineLinear(x, w) : (tf.matMul(x, w as tf.Tensor2D) as tf.Tensor2D);
  return b ? (tf.add(y, b) as tf.Tensor2D) : y;
}

/** The weight as float32 in the tfjs layout ([in, out]; `transposed` false for matrices stored as-is, like embeddings). */
export function linearWeightValues(w: LinearWeight, transposed = true): Float32Array {
  if (!(w instanceof EngineMatrix)) return w.dataSync() as Float32Array;
  const rowsMajor = w.toFloat32();
  if (!transposed) return rowsMajor;
  const { rows, cols } = w;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = rowsMajor[r * cols + c];
  return out;
}

/** The weight's shape in the tfjs layout. */
export function linearWeightShape(w: LinearWeight, transposed = true): number[] {
  if (!(w instanceof EngineMatrix)) return w.shape;
  return transposed ? [w.cols, w.rows] : [w.rows, w.cols];
}

/** A trainable tfjs Variable with the weight's values (an engine matrix is dequantized; the original is left as is). */
export function toVariable(w: LinearWeight, transposed = true, trainable = false): tf.Variable {
  if (!(w instanceof EngineMatrix)) return w;
  const t = tf.tensor(linearWeightValues(w, transposed), linearWeightShape(w, transposed));
  const v = tf.variable(t, trainable);
  t.dispose();
  return v;
}

/** Frees a weight of either kind. */
export function disposeLinearWeight(w: LinearWeight): void {
  w.dispose();
}
