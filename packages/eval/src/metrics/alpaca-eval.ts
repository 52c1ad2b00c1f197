import { readFileSync } from 'node:fs';
import type { JudgmentRecord } from '../compare/judgment-record.js';
import { EvalInputError } from '../errors.js';
import { type LengthControlledFit, type LengthControlledOptions, lengthControlledWinRate } from './length-controlled.js';

/** AlpacaEval 2's numbers for one model against the baseline (rates in percent). */
export interface AlpacaEvalScore {
  /** Mean preference for the model × 100 (soft: logprob preferences count fractionally). */
  winRate: number;
  /** Standard error of the win rate (sample sd / √n), percent. */
  standardError: number;
  /** Win rate with each preference rounded to win/loss, exactly ½ a draw. */
  discreteWinRate: number;
  /** Length-controlled win rate (see `lengthControlledWinRate`). */
  lcWinRate: number;
  nWins: number;
  nWinsBase: number;
  nDraws: number;
  nTotal: number;
  /** Pairs without a preference (error bucket), left out as AlpacaEval drops non-preferences. */
  errors: number;
  glm: LengthControlledFit;
}

/** Options for {@link alpacaEvalScore}. */
export interface AlpacaEvalScoreOptions extends LengthControlledOptions {
  /** Instruction difficulty by id (see {@link readInstructionDifficulty}); adds the GLM's difficulty term. */
  difficulty?: ReadonlyMap<string, number>;
}

/** P(ours is better) of a record: its soft preference, else 1/½/0 from the verdict; undefined for errors. */
export function recordPreference(record: JudgmentRecord): number | undefined {
  if (record.verdict === 'error') return undefined;
  if (typeof record.preference === 'number') return record.preference;
  return record.verdict === 'A' ? 1 : record.verdict === 'tie' ? 0.5 : 0;
}

/**
 * AlpacaEval 2's win rate and length-controlled win rate for a judgments file, A = the model,
 * B = the baseline. With p the preference for the model (in [0, 1]):
 * win rate = 100·mean(p); standard error = 100·sd(p)/√n (sd with n − 1); discrete win rate =
 * 100·(#(p > ½) + #(p = ½)/2)/n; LC win rate from the GLM in `lengthControlledWinRate`.
 */
export function alpacaEvalScore(records: readonly JudgmentRecord[], options: AlpacaEvalScoreOptions = {}): AlpacaEvalScore {
  const rows = records.flatMap((r) => {
    const preference = recordPreference(r);
    if (preference === undefined) return [];
    const difficulty = options.difficulty?.get(r.id);
    if (options.difficulty && difficulty === undefined) {
      throw new EvalInputError(`no instruction difficulty for id "${r.id}"`);
    }
    return [{ preference, lengthModel: r.lengthA, lengthBaseline: r.lengthB, ...(difficulty !== undefined ? { difficulty } : {}) }];
  });
  const n = rows.length;
  if (n === 0) throw new EvalInputError('no judged pairs (every judgment is an error)');
  const p = rows.map((r) => r.preference);
  const mean = p.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(p.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : Number.NaN;
  const nWins = p.filter((v) => v > 0.5).length;
  const nWinsBase = p.filter((v) => v < 0.5).length;
  const nDraws = n - nWins - nWinsBase;
  const glm = lengthControlledWinRate(rows, options);
  return {
    winRate: 100 * mean,
    standardError: (100 * sd) / Math.sqrt(n),
    discreteWinRate: (100 * (nWins + nDraws / 2)) / n,
    lcWinRate: glm.lcWinRate,
    nWins,
    nWinsBase,
    nDraws,
    nTotal: n,
    errors: records.length - n,
    glm,
  };
}

/**
 * Reads AlpacaEval's `instruction_difficulty.csv` (a header line, then `index,difficulty` rows;
 * the index is the instruction's row in alpaca_eval.json, which is the id `eval generate --bench
 * alpaca-eval` gives it).
 */
export function readInstructionDifficulty(file: string): Map<string, number> {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  const out = new Map<string, number>();
  lines.forEach((text, i) => {
    if (i === 0 || text.trim() === '') return;
    const [id, value] = text.split(',');
    const d = Number(value);
    if (id === undefined || value === undefined || !Number.isFinite(d)) {
      throw new EvalInputError('expected "index,instruction_difficulty"', { file, line: i + 1 });
    }
    out.set(id.trim(), d);
  });
  if (out.size === 0) throw new EvalInputError('no rows', { file });
  return out;
}
