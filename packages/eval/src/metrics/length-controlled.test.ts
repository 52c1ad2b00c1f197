import { describe, expect, it } from 'vitest';
import { sigmoid } from './l1-logistic.js';
import { ALPACA_EVAL_C_GRID, type LengthControlledRow, lengthControlledWinRate } from './length-controlled.js';

const row = (preference: number, lengthModel: number, lengthBaseline: number, difficulty?: number): LengthControlledRow => ({
  preference,
  lengthModel,
  lengthBaseline,
  ...(difficulty === undefined ? {} : { difficulty }),
});

/** Gradient of C·Σ soft log loss for the fit's columns (length, [difficulty], model). */
function lossGradient(rows: LengthControlledRow[], beta: number[], sd: number, C: number): number[] {
  const g = new Array<number>(beta.length).fill(0);
  for (const r of rows) {
    const x = [sd > 0 ? Math.tanh((r.lengthBaseline - r.lengthModel) / sd) : 0];
    if (r.difficulty !== undefined) x.push(r.difficulty);
    x.push(1);
    const s = sigmoid(x.reduce((acc, v, j) => acc + v * beta[j], 0));
    x.forEach((v, j) => (g[j] += C * (s - r.preference) * v));
  }
  return g;
}

describe('lengthControlledWinRate (AlpacaEval length_controlled_v1)', () => {
  it('hand-computed: equal lengths, fixed C — σ(θ) = p̄ − 1/(C·n) from the L1 stationarity condition', () => {
    // C·Σ(σ(θ) − pᵢ) + sign(θ) = 0 with p = [1, 1, 1, 0], C = 100, n = 4: σ(θ) = 0.75 − 1/400 = 0.7475.
    const fit = lengthControlledWinRate([row(1, 10, 10), row(1, 5, 5), row(1, 7, 7), row(0, 3, 3)], { C: 100 });
    expect(fit.lengthScale).toBe(0);
    expect(fit.length).toBe(0);
    expect(fit.lcWinRate).toBeCloseTo(74.75, 6);
    expect(sigmoid(fit.model)).toBeCloseTo(0.7475, 8);
  });

  it('satisfies the L1 optimality (KKT) conditions with length and difficulty terms', () => {
    const rows = [
      row(0.9, 300, 100, -0.5),
      row(0.8, 280, 120, 0.3),
      row(0.3, 90, 200, 1.2),
      row(0.6, 150, 150, -1),
      row(0.2, 100, 260, 0.8),
      row(0.7, 220, 200, 0.1),
      row(0.4, 180, 100, 1.5),
    ];
    const C = 10;
    const fit = lengthControlledWinRate(rows, { C });
    const beta = [fit.length, fit.difficulty!, fit.model];
    const g = lossGradient(rows, beta, fit.lengthScale, C);
    beta.forEach((b, j) => {
      if (b !== 0) expect(g[j] + Math.sign(b)).toBeCloseTo(0, 6);
      else expect(Math.abs(g[j])).toBeLessThanOrEqual(1 + 1e-9);
    });
    // The LC win rate is the length-free prediction averaged over instructions.
    const expected = rows.reduce((s, r) => s + sigmoid(fit.model + fit.difficulty! * r.difficulty!), 0) / rows.length;
    expect(fit.lcWinRate).toBeCloseTo(100 * expected, 10);
  });

  it('removes a win rate that comes from being longer', () => {
    // The model wins exactly when it is longer; at equal length it wins half the time.
    const rows = [row(1, 400, 100), row(1, 380, 120), row(1, 350, 90), row(1, 390, 100), row(1, 410, 130), row(0, 100, 400), row(1, 200, 200), row(0, 200, 200)];
    const raw = 100 * (6 / 8);
    const fit = lengthControlledWinRate(rows);
    expect(ALPACA_EVAL_C_GRID).toContain(fit.C);
    expect(fit.length).toBeLessThan(0); // a longer model output (negative Δ) raises P(model wins)
    expect(fit.lcWinRate).toBeLessThan(raw - 10);
    expect(lengthControlledWinRate(rows)).toEqual(fit); // deterministic
  });

  it('rejects bad input clearly', () => {
    expect(() => lengthControlledWinRate([])).toThrow(/no judged pairs/);
    expect(() => lengthControlledWinRate([row(1.5, 1, 1)])).toThrow(/outside \[0, 1\]/);
    expect(() => lengthControlledWinRate([row(1, 1, 1, 0.2), row(0, 1, 1)])).toThrow(/some rows but not for others/);
  });
});
