import { AligndialError, type ForwardHooks, tf } from '@aligndial/core';
import { STEERING_OPERATORS } from './steering.js';
import type { Edits, LayerDirections } from './edits-types.js';
import { globalDirections, knnDirections } from './knn.js';

export interface EditHookOptions {
  /** α: scales both AlignEZ terms, or the CAA vector (default 1; 0 = no edit). */
  strength?: number;
  /**
   * k-NN mode: query embeddings from `embedQueries` — one (applied to every batch row) or one per
   * batch row. Required for knn-mode edits unless `mode: 'global'`.
   */
  queryEmbeddings?: readonly (readonly Float32Array[])[];
  /** `auto` (default): the mode the edits were fitted in; `global` forces the global directions. */
  mode?: 'auto' | 'global';
  /** Ready-made directions per batch row (one = all rows), instead of computing them here. */
  directions?: readonly LayerDirections[];
}

/** ForwardHooks that apply fitted edits; they hold tensors, so `dispose()` them after generation. */
export interface EditHooks extends ForwardHooks {
  /** Hook layer indices that are edited. */
  readonly layers: readonly number[];
  /** Per batch row: the training ids whose data gave its directions (knn mode). */
  readonly neighbours?: readonly (readonly string[])[];
  /** The per-row directions in use (AlignEZ). */
  readonly directions?: readonly LayerDirections[];
  dispose(): void;
}

/** Stacks per-row vectors (one per row) for one layer into [R, 1, D]. */
function rowsTensor(vectors: readonly Float32Array[], D: number): tf.Tensor3D {
  const data = new Float32Array(vectors.length * D);
  vectors.forEach((v, r) => data.set(v, r * D));
  return tf.tensor3d(data, [vectors.length, 1, D]);
}

/**
 * ForwardHooks applying `edits` to the MLP output of each edited layer, at every position of every
 * forward pass (prompt prefill and each generated token), for any model or decoder that passes hooks
 * to `Transformer.forward` (createModelDecoder, CLM's λ-merged decoder, …).
 * AlignEZ: the edit of {@link alignEzEdit} with global directions, or per-query k-NN directions
 * (one set per batch row, given by `queryEmbeddings`). CAA: x ← x + α·v_l (the same as adding v_l to
 * the residual stream after layer l).
 */
export function createEditHooks(edits: Edits, options: EditHookOptions = {}): EditHooks {
  const strength = options.strength ?? 1;
  if (!Number.isFinite(strength)) throw new AligndialError(`edit strength must be a finite number, got ${strength}`);
  const D = edits.manifest.hiddenSize;
  const tensors: tf.Tensor[] = [];
  // tf.keep: the hooks outlive any tf.tidy they are created in; dispose() frees them.
  const keep = <T extends tf.Tensor>(t: T): T => {
    tensors.push(tf.keep(t));
    return t;
  };
  const byLayer = new Map<number, (x: tf.Tensor3D) => tf.Tensor3D>();
  // Directions for R rows applied to a batch of B rows: R = 1 broadcasts; B = m·R tiles them m times (CLM's
  // λ-merged pass runs the base layers on [aligned rows; reference rows], 2B rows for B queries).
  const fitRows = (t: tf.Tensor3D, B: number, layer: number): tf.Tensor3D => {
    const R = t.shape[0];
    if (R === 1 || R === B) return t;
    if (B % R === 0) return tf.tile(t, [B / R, 1, 1]);
    throw new AligndialError(`edit hooks hold directions for ${R} rows, but layer ${layer} received a batch of ${B}`);
  };
  let neighbours: string[][] | undefined;
  let directions: LayerDirections[] | undefined;

  // Fit side: the tensors each edited layer is steered with ([v] for CAA, [help, harm] for AlignEZ).
  let layerDirections: (j: number) => tf.Tensor3D[];
  if (edits.method === 'caa') {
    const vectors = edits.vectors.map((v) => keep(tf.tensor3d(v, [1, 1, D])));
    layerDirections = (j) => [vectors[j]];
  } else {
    if (options.directions) directions = [...options.directions];
    else if (options.mode === 'global' || !edits.knn) directions = [globalDirections(edits)];
    else {
      if (!options.queryEmbeddings || options.queryEmbeddings.length === 0) {
        throw new AligndialError('these AlignEZ edits were fitted in knn mode: pass the query (its embedding) to compute its directions', {
          hint: 'Use createEditHooksForQueries(model, tokenizer, edits, { queries }), or mode "global".',
        });
      }
      directions = options.queryEmbeddings.map((q) => knnDirections(edits, q));
      neighbours = directions.map((d) => d.neighbours ?? []);
    }
    const rows = directions;
    const help = edits.layers.map((_, j) => keep(rowsTensor(rows.map((d) => d.help[j]), D)));
    const harm = edits.layers.map((_, j) => keep(rowsTensor(rows.map((d) => d.harm[j]), D)));
    layerDirections = (j) => [help[j], harm[j]];
  }
  // Apply side: the method's operator, on directions tiled to the batch.
  const operator = STEERING_OPERATORS[edits.method];
  edits.layers.forEach((l, j) => {
    const dirs = layerDirections(j);
    byLayer.set(l, (x) => operator(x, dirs.map((t) => fitRows(t, x.shape[0], l)), strength));
  });
  return {
    layers: [...byLayer.keys()],
    neighbours,
    directions,
    mlpOutput(layer, output) {
      const edit = byLayer.get(layer);
      return edit ? edit(output) : undefined;
    },
    dispose() {
      for (const t of tensors) t.dispose();
      tensors.length = 0;
    },
  };
}
