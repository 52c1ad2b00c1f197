import { AligndialError } from '../errors.js';
import type { ForwardHooks } from '../model/decoder-layer.js';
import type { Transformer } from '../model/transformer.js';
import { recomputeInBackward } from '../runtime/recompute.js';
import { tf } from '../runtime/tf.js';

/** Logits per LM-head chunk ([positions × vocab] float32 = 16 MiB): bounds the head's memory at any vocabulary. */
const HEAD_CHUNK_ELEMENTS = 2 ** 22;

/** Positions per LM-head chunk for a vocabulary (at least 1). */
export function headChunkPositions(vocabSize: number): number {
  return Math.max(1, Math.floor(HEAD_CHUNK_ELEMENTS / vocabSize));
}

/**
 * Log-probability of each target token: logits [B, T, V], targets [B, T] int32 → [B, T].
 * Differentiable; gathers one logit per position instead of materialising a one-hot [B, T, V].
 */
export function tokenLogProbs(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Tensor2D {
  const [B, T, V] = logits.shape;
  const logZ = tf.logSumExp(logits, -1); // [B, T]
  const offsets = tf.add(tf.mul(tf.range(0, B * T, 1, 'int32'), tf.scalar(V, 'int32')), tf.reshape(targets, [B * T]));
  const picked = tf.reshape(tf.gather(tf.reshape(logits, [B * T * V]), offsets), [B, T]);
  return tf.sub(picked, logZ) as tf.Tensor2D;
}

/** A batch of full sequences (prompt + completion), right-padded to one length. */
export interface SequenceBatch {
  /** [B, T] token ids. */
  inputIds: number[][];
  /** [B, T]: 1 for real tokens, 0 for padding. */
  attentionMask: number[][];
  /** [B, T]: 1 where the token is part of the completion (its log-prob counts). */
  completionMask: number[][];
}

/**
 * Pads (prompt, completion) pairs into a {@link SequenceBatch} (right padding).
 */
export function buildSequenceBatch(pairs: readonly { promptIds: readonly number[]; completionIds: readonly number[] }[], padId = 0): SequenceBatch {
  const length = Math.max(...pairs.map((p) => p.promptIds.length + p.completionIds.length));
  const batch: SequenceBatch = { inputIds: [], attentionMask: [], completionMask: [] };
  for (const { promptIds, completionIds } of pairs) {
    const n = promptIds.length + completionIds.length;
    const pad = length - n;
    batch.inputIds.push([...promptIds, ...completionIds, ...new Array(pad).fill(padId)]);
    batch.attentionMask.push([...new Array(n).fill(1), ...new Array(pad).fill(0)]);
    batch.completionMask.push([...new Array(promptIds.length).fill(0), ...new Array(completionIds.length).fill(1), ...new Array(pad).fill(0)]);
  }
  return batch;
}

export interface SequenceLogProbOptions {
  hooks?: ForwardHooks;
  /** Differentiate through a tied LM head (see ForwardOptions.training). */
  training?: boolean;
  /** Average over completion tokens instead of summing (SimPO-style length normalisation). */
  average?: boolean;
  /** Scored positions per LM-head chunk; default {@link headChunkPositions} of the vocabulary. */
  headChunkSize?: number;
}

/**
 * Summed log-probability of each row's completion tokens under the model: [B].
 * Token t is scored by the hidden state at t − 1, so a completion token at position 0 cannot be
 * scored (sequences start with the prompt). The final norm, LM head and log-softmax run only at
 * the positions that predict a completion token: with a large vocabulary those [tokens, V] tensors
 * dominate a DPO step's time and memory, and prompt positions never need them. They run in chunks of
 * positions, so no [tokens, V] tensor exists whole; with the model's `gradientCheckpointing` each
 * chunk is also recomputed in the backward pass instead of kept.
 * Differentiable when called inside a gradient tape.
 */
export function sequenceLogProbs(model: Transformer, batch: SequenceBatch, options: SequenceLogProbOptions = {}): tf.Tensor1D {
  const B = batch.inputIds.length;
  const T = batch.inputIds[0]?.length ?? 0;
  if (B === 0 || T < 2) throw new AligndialError('sequenceLogProbs needs at least one sequence of two or more tokens');
  const V = model.config.vocabSize;
  const positions: number[] = []; // flat index b·T + (t − 1) of the hidden state that predicts token t
  const targets: number[] = [];
  const rowOf: number[] = [];
  const counts = new Array<number>(B).fill(0);
  batch.inputIds.forEach((ids, b) => {
    if (ids.length !== T) throw new AligndialError(`sequence ${b} has ${ids.length} ids; all rows need ${T} (pad them)`);
    const mask = batch.completionMask[b];
    if (mask[0]) throw new AligndialError(`sequence ${b}: its first token is marked as completion; the prompt must hold at least one token`);
    for (let t = 1; t < T; t++) {
      const id = ids[t];
      if (!Number.isInteger(id) || id < 0 || id >= V) throw new AligndialError(`token id ${id} in row ${b} is outside the vocabulary [0, ${V})`);
      if (!mask[t]) continue;
      positions.push(b * T + t - 1);
      targets.push(id);
      rowOf.push(b);
      counts[b]++;
    }
  });
  if (positions.length === 0) return tf.zeros([B]) as tf.Tensor1D;
  const N = positions.length;
  // [B, N] 0/1: which row each scored position belongs to (a matMul sums per row, with a plain gradient).
  const assign = new Float32Array(B * N);
  rowOf.forEach((b, n) => {
    assign[b * N + n] = 1;
  });
  return tf.tidy(() => {
    const ids = tf.tensor2d(batch.inputIds as number[][], [B, T], 'int32');
    const ctx = model.context(B, T, { attentionMask: batch.attentionMask, hooks: options.hooks });
    const hidden = model.runLayers(model.embed(ids), ctx); // [B, T, D]
    const D = hidden.shape[2];
    const picked = tf.gather(tf.reshape(hidden, [B * T, D]), tf.tensor1d(positions, 'int32')); // [N, D]
    const chunk = options.headChunkSize ?? headChunkPositions(V);
    // Engine-held head matrices are frozen: only tfjs Variables are differentiated.
    const headVariables = model.headVariables();
    const parts: tf.Tensor[] = [];
    for (let start = 0; start < N; start += chunk) {
      const n = Math.min(chunk, N - start);
      const chunkTargets = targets.slice(start, start + n);
      const h = n === N ? picked : tf.slice(picked, [start, 0], [n, D]);
      const run = (x: tf.Tensor) => {
        const logits = model.logits(tf.reshape(x, [1, n, D]) as tf.Tensor3D, options.training); // [1, n, V]
        return tf.reshape(tokenLogProbs(logits, tf.tensor2d([chunkTargets], [1, n], 'int32')), [n]);
      };
      parts.push(model.gradientCheckpointing ? recomputeInBackward(run, [h], headVariables) : run(h));
    }
    const lp = parts.length === 1 ? parts[0] : tf.concat(parts);
    const total = tf.reshape(tf.matMul(tf.tensor2d(assign, [B, N]), tf.reshape(lp, [N, 1])), [B]) as tf.Tensor1D;
    return options.average ? (tf.div(total, tf.maximum(tf.tensor1d(counts), 1)) as tf.Tensor1D) : total;
  });
}
