import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JudgmentRecord } from '../compare/judgment-record.js';
import { tempDir } from '../test-support/shared-data.js';
import { alpacaEvalScore, readInstructionDifficulty } from './alpaca-eval.js';

const record = (id: string, preference: number | undefined, lengthA = 100, lengthB = 100): JudgmentRecord => ({
  id,
  verdict: preference === undefined ? 'error' : preference > 0.5 ? 'A' : preference < 0.5 ? 'B' : 'tie',
  ...(preference === undefined ? {} : { preference }),
  lengthA,
  lengthB,
  judge: 'test',
  template: 'weighted_alpaca_eval_gpt4_turbo',
  calls: [],
});

describe('alpacaEvalScore', () => {
  it('hand-computed win rate, standard error and discrete win rate; errors left out', () => {
    const s = alpacaEvalScore([record('0', 0.9), record('1', 0.2), record('2', 0.5), record('3', 1), record('4', undefined)], { C: 100 });
    // p = [.9, .2, .5, 1]: mean .65; sd² = (.0625 + .2025 + .0225 + .1225)/3 = .41/3.
    expect(s.winRate).toBeCloseTo(65, 10);
    expect(s.standardError).toBeCloseTo((100 * Math.sqrt(0.41 / 3)) / 2, 10);
    expect(s.discreteWinRate).toBeCloseTo(62.5, 10); // (2 wins + ½·1 draw) / 4
    expect(s).toMatchObject({ nWins: 2, nWinsBase: 1, nDraws: 1, nTotal: 4, errors: 1 });
    // Equal lengths: only the model term, σ(θ) = p̄ − 1/(C·n) = .65 − 1/400.
    expect(s.lcWinRate).toBeCloseTo(64.75, 6);
  });

  it('uses verdicts when there is no soft preference, and instruction difficulty from the CSV', () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, 'instruction_difficulty.csv');
      writeFileSync(file, ',instruction_difficulty\n0,-1.5\n1,0.5\n2,2.0\n3,0.1\n');
      const difficulty = readInstructionDifficulty(file);
      expect([...difficulty]).toEqual([['0', -1.5], ['1', 0.5], ['2', 2], ['3', 0.1]]);
      const records = [record('0', 1), record('1', 1), record('2', 0), record('3', 1)].map((r) => {
        const { preference: _p, ...rest } = r;
        return rest;
      });
      const s = alpacaEvalScore(records, { difficulty });
      expect(s.winRate).toBe(75);
      expect(s.glm.difficulty).toBeDefined();
      expect(() => alpacaEvalScore([record('9', 1)], { difficulty })).toThrow(/no instruction difficulty for id "9"/);
      writeFileSync(file, 'index,d\n0,abc\n');
      expect(() => readInstructionDifficulty(file)).toThrow(/line 2/);
    } finally {
      tmp.cleanup();
    }
  });
});
