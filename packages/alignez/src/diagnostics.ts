import { alignEzEditVector } from './edit-vector.js';
import { topSingularVector } from './power-iteration.js';
import { cosine, dot, meanVector, norm } from './vector-math.js';

/** How well a layer's θ_help separates helpful from harmful samples it was not fitted on. */
export interface HeldOutProjection {
  /** Mean ⟨Φ_help, θ_help⟩ of held-out helpful samples. */
  help: number;
  /** Mean ⟨Φ_harm, θ_help⟩ of held-out harmful samples. */
  harm: number;
  /** (help − harm) / pooled s.d. of the projections: 0 = no separation. */
  effectSize: number;
  /** Fraction of held-out pairs whose helpful sample projects higher than its harmful one (0.5 = chance). */
  pairAccuracy: number;
}

/** Per-layer diagnostics of an AlignEZ fit (every layer of the model, index = layer). */
export interface AlignEzDiagnostics {
  /** cos(θ_help, θ_harm) per layer (the paper's Fig. 4c, right): near 1 = the two directions are the same. */
  helpHarmCosine: number[];
  /** cos(θ_help, mean Φ_help) per layer: near 1 = θ_help is the samples' mean direction (uncentred SVD), not a preference axis. */
  helpMeanCosine: number[];
  /** Cross-fitted projections of held-out pairs on θ_help (folds: each pair is projected on directions fitted without it). */
  heldOut: HeldOutProjection[];
  /**
   * The same on the contrastive direction mean(Φ_help − Φ_harm) of the other folds (what CAA would use): whether
   * the layer's Φ carries the preference linearly at all. Separation here but not on θ_help means AlignEZ's
   * uncentred top singular vector misses a signal that is there; no separation on either means Φ does not hold it.
   */
  contrastHeldOut: HeldOutProjection[];
  /** Folds of the cross-fit (0 when there are too few pairs: heldOut is then empty). */
  folds: number;
  /** Mean ‖x̂ − x‖ / ‖x‖ of the α = 1 edit (global directions) over the fitted samples' Φ, per layer: the edit's relative size. */
  editScale: number[];
}

/** Per-layer embeddings of the kept pairs: help[i][l], harm[i][l]. */
export interface PairEmbeddings {
  help: Float32Array[][];
  harm: Float32Array[][];
}

/**
 * Diagnostics of AlignEZ's directions on its own data: whether θ_help and θ_harm differ, whether θ_help is
 * just the mean direction, whether it separates held-out helpful from harmful samples, and how large the
 * edit is relative to the MLP output it edits. `fits` are the global per-layer fits on all pairs.
 */
export function alignEzDiagnostics(
  pairs: PairEmbeddings,
  fits: { help: Float32Array[]; harm: Float32Array[] },
  options: { folds?: number } = {},
): AlignEzDiagnostics {
  const n = pairs.help.length;
  const L = fits.help.length;
  const layers = Array.from({ length: L }, (_, l) => l);
  const helpHarmCosine = layers.map((l) => cosine(fits.help[l], fits.harm[l]));
  const helpMeanCosine = layers.map((l) => cosine(fits.help[l], meanVector(pairs.help.map((p) => p[l]))));
  const editScale = layers.map((l) => {
    let s = 0;
    let count = 0;
    for (const side of [pairs.help, pairs.harm]) {
      for (const p of side) {
        const x = p[l];
        const nx = norm(x);
        if (nx === 0) continue;
        const edited = alignEzEditVector(x, fits.help[l], fits.harm[l]);
        let d = 0;
        for (let j = 0; j < x.length; j++) d += (edited[j] - x[j]) ** 2;
        s += Math.sqrt(d) / nx;
        count++;
      }
    }
    return count ? s / count : 0;
  });
  const folds = Math.min(options.folds ?? 5, n >= 4 ? n : 0);
  const heldOut: HeldOutProjection[] = [];
  const contrastHeldOut: HeldOutProjection[] = [];
  if (folds >= 2) {
    for (const l of layers) {
      const theta = (rows: number[]) => topSingularVector(rows.map((i) => pairs.help[i][l])).vector;
      const contrast = (rows: number[]) => {
        const d = meanVector(rows.map((i) => Float32Array.from(pairs.help[i][l], (v: number, j: number) => v - pairs.harm[i][l][j])));
        const len = norm(d);
        return len > 0 ? d.map((v) => v / len) : d;
      };
      heldOut.push(crossFit(pairs, l, n, folds, theta));
      contrastHeldOut.push(crossFit(pairs, l, n, folds, contrast));
    }
  }
  return { helpHarmCosine, helpMeanCosine, heldOut, contrastHeldOut, folds: folds >= 2 ? folds : 0, editScale };
}

/** Projections of each fold's pairs on a direction fitted on the other folds (`fit` gets their pair indices). */
function crossFit(pairs: PairEmbeddings, l: number, n: number, folds: number, fit: (rows: number[]) => ArrayLike<number>): HeldOutProjection {
  const help: number[] = new Array(n);
  const harm: number[] = new Array(n);
  for (let f = 0; f < folds; f++) {
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (i % folds !== f) rows.push(i);
    const direction = fit(rows);
    for (let i = f; i < n; i += folds) {
      help[i] = dot(pairs.help[i][l], direction);
      harm[i] = dot(pairs.harm[i][l], direction);
    }
  }
  return projectionStats(help, harm);
}

function projectionStats(help: readonly number[], harm: readonly number[]): HeldOutProjection {
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = (xs: readonly number[], m: number) => xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1);
  const mh = mean(help);
  const mr = mean(harm);
  const pooled = Math.sqrt((variance(help, mh) + variance(harm, mr)) / 2);
  const wins = help.filter((h, i) => h > harm[i]).length + 0.5 * help.filter((h, i) => h === harm[i]).length;
  return { help: mh, harm: mr, effectSize: pooled > 0 ? (mh - mr) / pooled : 0, pairAccuracy: wins / help.length };
}
