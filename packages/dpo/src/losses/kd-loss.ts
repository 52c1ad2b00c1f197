import { AligndialError, tf } from '@aligndial/core';

/** KL(p ‖ q) over the last axis from logits: Σ_v p_v (log p_v − log q_v). [..., V] → [...]. */
export function klDivergenceFromLogits(pLogits: tf.Tensor, qLogits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const logP = tf.logSoftmax(pLogits);
    const logQ = tf.logSoftmax(qLogits);
    return tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)), -1);
  });
}

/**
 * Positions whose logits predict a completion token: position t−1 for each completion token t
 * (a `completionMask` [B, T] from a SequenceBatch shifted left by one, last position 0).
 */
export function predictionMask(completionMask: readonly (readonly number[])[]): number[][] {
  return completionMask.map((row) => [...row.slice(1), 0]);
}

/** Options of {@link kdLoss}. */
export interface KdLossOptions {
  /** [B, T]: 1 where the position counts (e.g. `predictionMask(batch.completionMask)`); default all. */
  mask?: readonly (readonly number[])[] | tf.Tensor2D;
  /** `sum` over positions (Eq. 8, the default) or `mean` over the counted positions; then the batch mean. */
  reduction?: 'sum' | 'mean';
}

/**
 * Knowledge-distillation loss of CLM paper Eq. 8: Σ_t KL(π_student(·|x, y<t) ‖ softmax(teacher_t)),
 * averaged over the batch. `studentLogits` [B, T, V] are differentiable; `teacherLogits` are constants.
 */
export function kdLossFromTeacher(studentLogits: tf.Tensor3D, teacherLogits: tf.Tensor3D, options: KdLossOptions = {}): tf.Scalar {
  const [B, T] = studentLogits.shape;
  if (studentLogits.shape.join(',') !== teacherLogits.shape.join(',')) {
    throw new AligndialError(`kdLoss: student logits have shape [${studentLogits.shape}] but teacher logits [${teacherLogits.shape}]`);
  }
  return tf.tidy(() => {
    const kl = klDivergenceFromLogits(studentLogits, teacherLogits) as tf.Tensor2D; // [B, T]
    const mask = options.mask === undefined ? tf.onesLike(kl) : options.mask instanceof tf.Tensor ? options.mask : tf.tensor2d(options.mask as number[][], [B, T]);
    const perRow = tf.sum(tf.mul(kl, mask), 1);
    const rows = options.reduction === 'mean' ? tf.div(perRow, tf.maximum(tf.sum(mask, 1), 1)) : perRow;
    return tf.mean(rows) as tf.Scalar;
  });
}
