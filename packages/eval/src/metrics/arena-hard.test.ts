import { describe, expect, it } from 'vitest';
import type { JudgmentCall, JudgmentRecord } from '../compare/judgment-record.js';
import type { ArenaHardLabel } from '../judge/parse-verdict.js';
import { arenaHardBattles, arenaHardScore, bradleyTerryWinProbability, eloFromWinProbability } from './arena-hard.js';

const call = (order: 'AB' | 'BA', label?: ArenaHardLabel): JudgmentCall => ({
  order,
  verdict: label === undefined ? 'error' : label === 'A=B' ? 'tie' : label.startsWith('A') ? 'first' : 'second',
  ...(label ? { label } : {}),
  raw: '',
  cached: false,
});
const record = (id: string, game1?: ArenaHardLabel, game2?: ArenaHardLabel): JudgmentRecord => ({
  id,
  verdict: 'tie',
  lengthA: 1,
  lengthB: 1,
  judge: 'test',
  template: 'arena-hard-v0.1',
  // Game 1 shows the baseline as A (order BA), game 2 shows ours as A (order AB).
  calls: [call('BA', game1), call('AB', game2)],
});

/** Unpenalised logistic regression on arena-hard's duplicated battles, fitted by Newton's method. */
function fitLogisticElo(scores: number[]): number {
  // Rows: each battle twice; a win is y = 1 twice, a loss y = 0 twice, a tie once each. x = ln 10.
  const rows: number[] = scores.flatMap((s) => (s === 1 ? [1, 1] : s === 0 ? [0, 0] : [1, 0]));
  let beta = 0;
  for (let it = 0; it < 100; it++) {
    let g = 0;
    let h = 0;
    for (const y of rows) {
      const p = 1 / (1 + Math.exp(-beta * Math.LN10));
      g += (y - p) * Math.LN10;
      h += p * (1 - p) * Math.LN10 ** 2;
    }
    beta += g / h;
  }
  return 400 * beta + 1000;
}

describe('Arena-Hard scoring', () => {
  it('turns labels into weighted battles from the model side, dropping unlabeled games', () => {
    const b = arenaHardBattles([
      record('1', 'B>>A', 'A>B'), // game 1: ours (B) much better → 3 wins; game 2: ours (A) better → 1 win
      record('2', 'A=B', 'B>A'), // tie; baseline (B) better → loss
      record('3', 'A>>B', undefined), // baseline much better → 3 losses; game 2 dropped
    ]);
    expect(b.scores).toEqual([1, 1, 1, 1, 0.5, 0, 0, 0, 0]);
    expect(b).toMatchObject({ games: 5, droppedGames: 1 });
  });

  it('hand-computed Bradley–Terry win rate equals the logistic-regression fit arena-hard-auto runs', () => {
    const scores = arenaHardBattles([record('1', 'B>>A', 'A>B'), record('2', 'A=B', 'B>A'), record('3', 'A>>B', 'A=B')]).scores;
    // Battles: 4 wins, 2 ties, 4 losses → P = (2·4 + 2) / (2·10) = 0.5.
    expect(bradleyTerryWinProbability(scores)).toBe(0.5);
    const skewed = [1, 1, 1, 0.5, 0]; // P = (2·3 + 1) / 10 = 0.7
    expect(bradleyTerryWinProbability(skewed)).toBeCloseTo(0.7, 12);
    expect(eloFromWinProbability(0.7)).toBeCloseTo(fitLogisticElo(skewed), 6);
    expect(eloFromWinProbability(0.7)).toBeCloseTo(1000 + 400 * Math.log10(0.7 / 0.3), 10);
  });

  it('reports win rate with a seeded bootstrap interval around it', () => {
    const records = Array.from({ length: 40 }, (_, i) => record(String(i), i % 4 === 0 ? 'A>B' : 'B>A', i % 3 === 0 ? 'B>A' : 'A>>B'));
    const s = arenaHardScore(records, { seed: 1 });
    const p = bradleyTerryWinProbability(arenaHardBattles(records).scores);
    expect(s.winRate).toBeCloseTo(100 * p, 10);
    expect(s.ci95[0]).toBeLessThan(s.winRate);
    expect(s.ci95[1]).toBeGreaterThan(s.winRate);
    expect(s.rounds).toBe(100);
    expect(arenaHardScore(records, { seed: 1 })).toEqual(s);
    expect(arenaHardScore(records, { seed: 2 }).ci95).not.toEqual(s.ci95);
    expect(() => arenaHardScore([record('x')])).toThrow(/no Arena-Hard battles/);
  });
});
