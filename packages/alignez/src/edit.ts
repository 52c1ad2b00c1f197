import { AligndialError, type ForwardHooks, tf } from '@aligndial/core';
import type { Edits, LayerDirections } from './edits-types.js';
import { globalDirections, knnDirections } from './knn.js';

const TINY = 1e-30;

/** x − α·(⟨x,θ⟩/⟨θ,θ⟩)·θ over the last axis (θ broadcasts against x): vector rejection of θ from x. */
export function removeComponent(x: tf.Tensor, theta: tf.Tensor, strength = 1): tf.Tensor {
  return tf.tidy(() => {
    const coef = tf.div(tf.sum(tf.mul(x, theta), -1, true), tf.maximum(tf.sum(tf.mul(theta, theta), -1, true), TINY));
    return tf.sub(x, tf.mul(tf.mul(coef, strength), theta));
  });
}

/** x + α·(⟨x,θ⟩/⟨θ,θ⟩)·θ over the last axis: amplifies x's component along θ. */
export function addComponent(x: tf.Tensor, theta: tf.Tensor, strength = 1): tf.Tensor {
  return tf.tidy(() => {
    const coef = tf.div(tf.sum(tf.mul(x, theta), -1, true), tf.maximum(tf.sum(tf.mul(theta, theta), -1, true), TINY));
    return tf.add(x, tf.mul(tf.mul(coef, strength), theta));
  });
}

/**
 * The AlignEZ edit of an MLP output x [..., D] (Sec. 2.3), with strength α on both terms (α = 1 is the paper):
 * x̂ ← x − α·(⟨x,θ_harm⟩/⟨θ_harm,θ_harm⟩)·θ_harm, then x̂ ← x̂ + α·(⟨x̂,θ_help⟩/⟨θ_help,θ_help⟩)·θ_help.
 * With α = 1 the first step leaves ⟨x̂, θ_harm⟩ = 0; x is unchanged when both directions are orthogonal to it.
 */
export function alignEzEdit(x: tf.Tensor, help: tf.Tensor, harm: tf.Tensor, strength = 1): tf.Tensor {
  return tf.tidy(() => addComponent(removeComponent(x, harm, strength), help, strength));
}

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

  if (edits.method === 'caa') {
    edits.layers.forEach((l, j) => {
      const v = keep(tf.tensor3d(edits.vectors[j], [1, 1, D]));
      byLayer.set(l, (x) => tf.add(x, tf.mul(v, strength)) as tf.Tensor3D);
    });
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
    edits.layers.forEach((l, j) => {
      const help = keep(rowsTensor(directions!.map((d) => d.help[j]), D));
      const harm = keep(rowsTensor(directions!.map((d) => d.harm[j]), D));
      byLayer.set(l, (x) => alignEzEdit(x, fitRows(help, x.shape[0], l), fitRows(harm, x.shape[0], l), strength) as tf.Tensor3D);
    });
  }
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

/**
 * Runs several hooks in order; each sees the previous one's output. Use it to add edits to hooks
 * another package already passes (e.g. CLM).
 */
export function composeHooks(...hooks: (ForwardHooks | undefined)[]): ForwardHooks {
  const list = hooks.filter((h): h is ForwardHooks => h !== undefined);
  return {
    mlpOutput(layer, output) {
      let x = output;
      let changed = false;
      for (const h of list) {
        const y = h.mlpOutput?.(layer, x);
        if (y) {
          x = y;
          changed = true;
        }
      }
      return changed ? x : undefined;
    },
    hiddenState(layer, hidden) {
      let x = hidden;
      let changed = false;
      for (const h of list) {
        const y = h.hiddenState?.(layer, x);
        if (y) {
          x = y;
          changed = true;
        }
      }
      return changed ? x : undefined;
    },
  };
}
