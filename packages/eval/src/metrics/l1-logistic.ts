/** Numerically safe log(1 + e^z). */
export const softplus = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
/** The logistic function. */
export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * Soft-label logistic loss of one row with target probability `p`: p·softplus(−η) + (1 − p)·softplus(η),
 * i.e. the row duplicated as a positive with weight p and a negative with weight 1 − p (how
 * AlpacaEval feeds probabilities to scikit-learn).
 */
export function softLogLoss(eta: number, p: number): number {
  return p * softplus(-eta) + (1 - p) * softplus(eta);
}

/** Options for {@link fitL1Logistic}. */
export interface L1LogisticOptions {
  /** Inverse regularisation strength, as in liblinear: minimise ‖β‖₁ + C·Σ wᵢ·lossᵢ. */
  C: number;
  /** Per-row weights (default 1). */
  weights?: readonly number[];
  /** Stop when no coefficient moves more than this in a sweep (default 1e-10). */
  tolerance?: number;
  /** Most coordinate sweeps (default 2000). */
  maxSweeps?: number;
}

/**
 * L1-penalised logistic regression without intercept on soft labels pᵢ ∈ [0, 1]: minimises
 * ‖β‖₁ + C·Σᵢ wᵢ·[pᵢ·softplus(−xᵢ·β) + (1 − pᵢ)·softplus(xᵢ·β)] — scikit-learn's liblinear
 * objective (`penalty="l1"`, `fit_intercept=False`) on the duplicated rows AlpacaEval builds.
 * Cyclic coordinate descent: a Newton step per coordinate, soft-thresholded, with step halving
 * so the objective never increases (the problem is convex, so this converges to its minimum).
 */
export function fitL1Logistic(x: readonly (readonly number[])[], p: readonly number[], options: L1LogisticOptions): number[] {
  const n = x.length;
  const k = x[0]?.length ?? 0;
  const w = options.weights ?? new Array<number>(n).fill(1);
  const { C } = options;
  const beta = new Array<number>(k).fill(0);
  const eta = new Array<number>(n).fill(0);
  const objective = (etaOf: (i: number) => number, l1: number) => {
    let loss = 0;
    for (let i = 0; i < n; i++) loss += w[i] * softLogLoss(etaOf(i), p[i]);
    return l1 + C * loss;
  };
  const l1Norm = () => beta.reduce((s, b) => s + Math.abs(b), 0);
  let current = objective((i) => eta[i], 0);
  for (let sweep = 0; sweep < (options.maxSweeps ?? 2000); sweep++) {
    let moved = 0;
    for (let j = 0; j < k; j++) {
      let g = 0;
      let h = 0;
      for (let i = 0; i < n; i++) {
        const xij = x[i][j];
        if (xij === 0) continue;
        const s = sigmoid(eta[i]);
        g += w[i] * (s - p[i]) * xij;
        h += w[i] * s * (1 - s) * xij * xij;
      }
      g *= C;
      h *= C;
      if (!(h > 1e-300)) continue; // the feature is zero on every row
      const z = beta[j] - g / h;
      const target = Math.sign(z) * Math.max(Math.abs(z) - 1 / h, 0);
      let step = target - beta[j];
      if (step === 0) continue;
      const others = l1Norm() - Math.abs(beta[j]);
      let t = 1;
      let next = objective((i) => eta[i] + t * step * x[i][j], others + Math.abs(beta[j] + t * step));
      while (next > current && t > 1e-12) {
        t /= 2;
        next = objective((i) => eta[i] + t * step * x[i][j], others + Math.abs(beta[j] + t * step));
      }
      if (next > current) continue;
      step *= t;
      beta[j] += step;
      for (let i = 0; i < n; i++) eta[i] += step * x[i][j];
      current = next;
      moved = Math.max(moved, Math.abs(step));
    }
    if (moved < (options.tolerance ?? 1e-10)) break;
  }
  return beta;
}
