import { EvalInputError } from '../errors.js';
import { fitL1Logistic, sigmoid, softLogLoss } from './l1-logistic.js';

/** One judged pair for the length-controlled win rate. */
export interface LengthControlledRow {
  /** Probability that the model's output beats the baseline's (1 win, ½ tie, 0 loss, or soft). */
  preference: number;
  /** Output lengths in characters (code points, as Python's `len`). */
  lengthModel: number;
  lengthBaseline: number;
  /** AlpacaEval's instruction difficulty for the row's instruction, when known. */
  difficulty?: number;
}

/** The fitted GLM of {@link lengthControlledWinRate}. */
export interface LengthControlledFit {
  /** Mean predicted win rate at zero length difference, in percent. */
  lcWinRate: number;
  /** The model term θ (AlpacaEval's `not_gamed_baseline` coefficient). */
  model: number;
  /** The length term φ, on tanh((len_baseline − len_model) / sd). */
  length: number;
  /** The instruction-difficulty term ψ; absent when no difficulties were given. */
  difficulty?: number;
  /** The regularisation constant used (chosen by cross-validation unless given). */
  C: number;
  /** Sample standard deviation of len_baseline − len_model (0: no spread, the length term is 0). */
  lengthScale: number;
  /** Rows used. */
  n: number;
}

/** Options for {@link lengthControlledWinRate}. */
export interface LengthControlledOptions {
  /** Fix the regularisation constant instead of choosing it by cross-validation. */
  C?: number;
  /** Cross-validation folds (default 5, as AlpacaEval). */
  folds?: number;
}

/** scikit-learn's default `Cs=10` grid: 10 values log-spaced over [1e-4, 1e4]. */
export const ALPACA_EVAL_C_GRID: readonly number[] = Array.from({ length: 10 }, (_, i) => 10 ** (-4 + (8 * i) / 9));

const clip = (q: number) => Math.min(1 - 1e-15, Math.max(1e-15, q));

/**
 * AlpacaEval 2's length-controlled win rate (`length_controlled_v1`, Dubois et al. 2024): the GLM
 *
 *   logit P(model beats baseline on instruction i) = θ + φ·tanh(Δᵢ / sd(Δ)) + ψ·dᵢ,
 *   Δᵢ = len(baselineᵢ) − len(modelᵢ)  (characters; sd with n − 1, not centred),
 *
 * with dᵢ the instruction difficulty (AlpacaEval's `instruction_difficulty.csv`; the term is
 * left out when no row has one), fitted on soft preferences pᵢ without intercept by
 * L1-penalised logistic regression (‖β‖₁ + C·Σ loss), C chosen from {@link ALPACA_EVAL_C_GRID} by
 * 5-fold cross-validated log loss and refitted on all rows, as `fit_LogisticRegressionCV` does.
 * The LC win rate is the prediction with the length term at zero, averaged over instructions:
 * 100 · meanᵢ σ(θ + ψ·dᵢ).
 *
 * Not reproduced: AlpacaEval also adds its "gamed" baseline annotations (weight 0.2) to pull θ
 * toward the baseline; that data is theirs and not part of a user's run. Folds are assigned
 * round-robin (row i → fold i mod k), not by scikit-learn's GroupKFold order.
 */
export function lengthControlledWinRate(rows: readonly LengthControlledRow[], options: LengthControlledOptions = {}): LengthControlledFit {
  const n = rows.length;
  if (n === 0) throw new EvalInputError('no judged pairs for the length-controlled win rate');
  for (const r of rows) {
    if (!(r.preference >= 0 && r.preference <= 1)) throw new EvalInputError(`preference ${r.preference} is outside [0, 1]`);
  }
  const withDifficulty = rows.some((r) => r.difficulty !== undefined);
  if (withDifficulty && rows.some((r) => r.difficulty === undefined)) {
    throw new EvalInputError('instruction difficulty is given for some rows but not for others');
  }
  const delta = rows.map((r) => r.lengthBaseline - r.lengthModel);
  const mean = delta.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(delta.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  // Columns: length, [difficulty], model.
  const features = (r: LengthControlledRow, d: number) => {
    const x = [sd > 0 ? Math.tanh(d / sd) : 0];
    if (withDifficulty) x.push(r.difficulty!);
    x.push(1);
    return x;
  };
  const x = rows.map((r, i) => features(r, delta[i]));
  const p = rows.map((r) => r.preference);
  const C = options.C ?? chooseC(x, p, options.folds ?? 5);
  const beta = fitL1Logistic(x, p, { C });
  const theta = beta[beta.length - 1];
  const psi = withDifficulty ? beta[1] : 0;
  const lc = rows.reduce((s, r) => s + sigmoid(theta + psi * (r.difficulty ?? 0)), 0) / n;
  return {
    lcWinRate: lc * 100,
    model: theta,
    length: beta[0],
    ...(withDifficulty ? { difficulty: psi } : {}),
    C,
    lengthScale: sd,
    n,
  };
}

/** The grid C with the lowest mean held-out log loss over k folds (first on ties, as numpy's argmax). */
function chooseC(x: readonly number[][], p: readonly number[], folds: number): number {
  const k = Math.min(folds, x.length);
  if (k < 2) return ALPACA_EVAL_C_GRID[ALPACA_EVAL_C_GRID.length - 1];
  let best = ALPACA_EVAL_C_GRID[0];
  let bestLoss = Infinity;
  for (const C of ALPACA_EVAL_C_GRID) {
    let total = 0;
    for (let f = 0; f < k; f++) {
      const train = x.flatMap((_, i) => (i % k === f ? [] : [i]));
      const test = x.flatMap((_, i) => (i % k === f ? [i] : []));
      const beta = fitL1Logistic(
        train.map((i) => x[i]),
        train.map((i) => p[i]),
        { C },
      );
      let loss = 0;
      for (const i of test) {
        const q = clip(sigmoid(x[i].reduce((s, v, j) => s + v * beta[j], 0)));
        loss += softLogLoss(Math.log(q / (1 - q)), p[i]);
      }
      total += loss / test.length;
    }
    const meanLoss = total / k;
    if (meanLoss < bestLoss - 1e-12) {
      bestLoss = meanLoss;
      best = C;
    }
  }
  return best;
}
