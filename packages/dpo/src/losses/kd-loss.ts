import { AligndialError, type HeadInput, headChunkPositions, recomputeInBackward, tf } from '@aligndial/core';

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

/**
 * `fn(x)` as a constant of the gradient tape: its ops are not recorded, so no weight that `fn` reads is
 * differentiated even when the student trains it too (a teacher sharing the student's LM head).
 */
function asConstant(fn: (x: tf.Tensor3D) => tf.Tensor3D, x: tf.Tensor3D): tf.Tensor3D {
  const constant = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor3D;
    return { value: fn(input), gradFunc: () => tf.zerosLike(input) };
  });
  return constant(x) as tf.Tensor3D;
}

/** Options of {@link kdLossFromHeads}. */
export interface KdLossFromHeadsOptions extends KdLossOptions {
  /** Positions per head chunk; default core's `headChunkPositions` of the vocabulary (16 MiB of float32 logits). */
  chunkSize?: number;
  /**
   * Recompute each chunk's heads and KL in the backward pass instead of keeping their [chunk, V] tensors on the
   * tape (default true): the same loss and gradients, one chunk of memory instead of all of them, at about the
   * same speed (`packages/dpo/bench/kd-loss-memory.ts` at SmolLM2's vocabulary: 0.68× the time at 4 × 512
   * tokens, 1.08× at 2 × 256; the tape's ~16·V floats per position cost about what the recomputed matmuls do).
   * `false` keeps them.
   */
  recompute?: boolean;
}

/**
 * {@link kdLossFromTeacher} without logits [B, T, V]: the student's and the teacher's heads run only at the
 * positions the mask counts, in chunks of positions, so no [tokens × vocab] tensor exists whole, not even on
 * the gradient tape (each chunk is recomputed in the backward pass). The student's features (and its trainable
 * `headVariables`) are differentiated; the teacher is a constant. Equal to
 * `kdLossFromTeacher(student.head(…), teacher.head(…))` up to float summation order.
 */
export function kdLossFromHeads(student: HeadInput, teacher: HeadInput, options: KdLossFromHeadsOptions = {}): tf.Scalar {
  const [B, T, Fs] = student.features.shape;
  const [tb, tt, Ft] = teacher.features.shape;
  if (tb !== B || tt !== T) {
    throw new AligndialError(`kdLoss: student features have shape [${student.features.shape}] but teacher features [${teacher.features.shape}] (batch and length must match)`);
  }
  if (student.vocabSize !== teacher.vocabSize) throw new AligndialError(`kdLoss: the student's vocabulary has ${student.vocabSize} tokens, the teacher's ${teacher.vocabSize}`);
  const mask = options.mask === undefined ? undefined : options.mask instanceof tf.Tensor ? (options.mask.arraySync() as number[][]) : options.mask;
  if (mask && (mask.length !== B || mask.some((row) => row.length !== T))) throw new AligndialError(`kdLoss: the mask must be [${B}, ${T}]`);
  // Each counted position n carries its share of the loss: 1 (sum) or 1 / count of its row (mean), over B rows.
  const positions: number[] = [];
  const weights: number[] = [];
  for (let b = 0; b < B; b++) {
    const row = mask?.[b];
    let count = 0;
    for (let t = 0; t < T; t++) count += row ? row[t] : 1;
    const share = (options.reduction === 'mean' ? 1 / Math.max(count, 1) : 1) / B;
    for (let t = 0; t < T; t++) {
      const m = row ? row[t] : 1;
      if (!m) continue;
      positions.push(b * T + t);
      weights.push(m * share);
    }
  }
  const N = positions.length;
  if (N === 0) return tf.scalar(0);
  return tf.tidy(() => {
    const index = tf.tensor1d(positions, 'int32');
    const s = tf.gather(tf.reshape(student.features, [B * T, Fs]), index); // [N, Fs]
    const q = tf.gather(tf.reshape(teacher.features, [B * T, Ft]), index); // [N, Ft]
    const chunk = options.chunkSize ?? headChunkPositions(student.vocabSize);
    if (!Number.isInteger(chunk) || chunk < 1) throw new AligndialError(`kdLoss: chunkSize must be a whole number ≥ 1, got ${String(chunk)}`);
    const parts: tf.Tensor[] = [];
    for (let start = 0; start < N; start += chunk) {
      const n = Math.min(chunk, N - start);
      const w = weights.slice(start, start + n);
      // Reads only its arguments and the heads' long-lived weights, as recomputeInBackward requires.
      const run = (sChunk: tf.Tensor, qChunk: tf.Tensor) => {
        const studentLogits = student.head(tf.reshape(sChunk, [1, n, Fs]) as tf.Tensor3D);
        const teacherLogits = asConstant(teacher.head, tf.reshape(qChunk, [1, n, Ft]) as tf.Tensor3D);
        return tf.sum(tf.mul(tf.reshape(klDivergenceFromLogits(studentLogits, teacherLogits), [n]), tf.tensor1d(w)));
      };
      const sChunk = n === N ? s : tf.slice(s, [start, 0], [n, Fs]);
      const qChunk = n === N ? q : tf.slice(q, [start, 0], [n, Ft]);
      parts.push(options.recompute !== false ? recomputeInBackward(run, [sChunk, qChunk], student.headVariables) : run(sChunk, qChunk));
    }
    return (parts.length === 1 ? parts[0] : tf.addN(parts)) as tf.Scalar;
  });
}
