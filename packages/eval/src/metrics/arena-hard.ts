import { hashString, Rng } from '@aligndial/core';
import type { JudgmentRecord } from '../compare/judgment-record.js';
import { EvalInputError } from '../errors.js';
import type { ArenaHardLabel } from '../judge/parse-verdict.js';
import type { Interval } from './bootstrap.js';
import { quantile } from './bootstrap.js';

/** How many battles a "significantly better" verdict (`A>>B`, `B>>A`) counts as (arena-hard-auto's WEIGHT). */
export const ARENA_HARD_STRONG_WEIGHT = 3;

/** Score of the answer shown as Assistant A for each label, with its battle count. */
const LABEL_SCORE: Readonly<Record<ArenaHardLabel, { score: number; battles: number }>> = {
  'A>>B': { score: 1, battles: ARENA_HARD_STRONG_WEIGHT },
  'A>B': { score: 1, battles: 1 },
  'A=B': { score: 0.5, battles: 1 },
  'B>A': { score: 0, battles: 1 },
  'B>>A': { score: 0, battles: ARENA_HARD_STRONG_WEIGHT },
};

/** The battles of one judgments file, from the model's ("ours", A) side. */
export interface ArenaHardBattles {
  /** One entry per battle: 1 = ours won, ½ = tie, 0 = the baseline won. */
  scores: number[];
  /** Judge calls (games) that gave a label. */
  games: number;
  /** Games without a label (errors), dropped as arena-hard-auto drops games whose score is null. */
  droppedGames: number;
}

/**
 * Turns Arena-Hard judgments into battles as arena-hard-auto v0.1's `get_battles_from_judgment`
 * does: each game (one presentation order) is one battle, or {@link ARENA_HARD_STRONG_WEIGHT}
 * battles for a `>>` verdict; a tie is a tie battle; a game without a label is dropped.
 */
export function arenaHardBattles(records: readonly JudgmentRecord[]): ArenaHardBattles {
  const scores: number[] = [];
  let games = 0;
  let droppedGames = 0;
  for (const record of records) {
    for (const call of record.calls ?? []) {
      const entry = call.label ? LABEL_SCORE[call.label] : undefined;
      if (!entry) {
        droppedGames++;
        continue;
      }
      games++;
      // Labels are in presentation order: with order AB ours is Assistant A, with BA it is B.
      const ours = call.order === 'AB' ? entry.score : 1 - entry.score;
      for (let k = 0; k < entry.battles; k++) scores.push(ours);
    }
  }
  return { scores, games, droppedGames };
}

/**
 * The Bradley–Terry probability that the model beats the baseline, fitted on battles that all
 * involve the baseline. arena-hard-auto's `compute_mle_elo` fits an unpenalised logistic
 * regression on the battles duplicated (a win counts as two wins, a tie as one win for each
 * side); with every battle against the one baseline its maximum-likelihood solution is closed
 * form: P = (2·wins + ties) / (2·battles), the mean battle score.
 */
export function bradleyTerryWinProbability(scores: readonly number[]): number {
  if (scores.length === 0) return Number.NaN;
  return scores.reduce((s, v) => s + v, 0) / scores.length;
}

/** Elo on arena-hard's scale (base 10, scale 400, baseline anchored at 1000) for a win probability. */
export function eloFromWinProbability(p: number): number {
  return 1000 + 400 * Math.log10(p / (1 - p));
}

/** Arena-Hard's score of one model against the baseline. */
export interface ArenaHardScore {
  /** Predicted win rate against the baseline, percent (the leaderboard's "Score"). */
  winRate: number;
  /** 95% bootstrap interval of the win rate, percent (2.5th and 97.5th percentiles). */
  ci95: Interval;
  /** Bradley–Terry Elo with the baseline at 1000 (±Infinity when one side never wins a battle). */
  elo: number;
  eloCi95: Interval;
  battles: number;
  games: number;
  droppedGames: number;
  /** Bootstrap rounds. */
  rounds: number;
}

/** Options for {@link arenaHardScore}. */
export interface ArenaHardScoreOptions {
  /** Bootstrap rounds (default 100, arena-hard-auto's `--num-rounds`). */
  rounds?: number;
  /** Seed of the bootstrap (default 0). */
  seed?: number | string;
}

/**
 * Arena-Hard v0.1's score of the model in a judgments file (template `arena-hard-v0.1`): battles
 * ({@link arenaHardBattles}) → Bradley–Terry win probability against the baseline
 * ({@link bradleyTerryWinProbability}) → win rate; the 95% interval comes from refitting on
 * battles resampled with replacement `rounds` times and taking the 2.5th/97.5th percentiles
 * (linear interpolation, as numpy's percentile), as arena-hard-auto's `show_result.py` does.
 */
export function arenaHardScore(records: readonly JudgmentRecord[], options: ArenaHardScoreOptions = {}): ArenaHardScore {
  const { scores, games, droppedGames } = arenaHardBattles(records);
  if (scores.length === 0) throw new EvalInputError('no Arena-Hard battles: no judgment carries an Arena-Hard label (judge with --template arena-hard)');
  const rounds = options.rounds ?? 100;
  const seed = options.seed ?? 0;
  const rng = new Rng(typeof seed === 'string' ? hashString(seed) : seed);
  const n = scores.length;
  const draws: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += scores[rng.int(n)];
    draws.push(sum / n);
  }
  draws.sort((a, b) => a - b);
  const p = bradleyTerryWinProbability(scores);
  const lo = quantile(draws, 0.025);
  const hi = quantile(draws, 0.975);
  return {
    winRate: 100 * p,
    ci95: [100 * lo, 100 * hi],
    elo: eloFromWinProbability(p),
    eloCi95: [eloFromWinProbability(lo), eloFromWinProbability(hi)],
    battles: n,
    games,
    droppedGames,
    rounds,
  };
}
