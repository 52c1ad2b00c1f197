import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/shared-data.js';
import { formatJudgmentReport, reportJudgments } from './report-judgments.js';

describe('reportJudgments', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);
  const write = (name: string, rows: object[]) => {
    const f = join(tmp.dir, name);
    writeFileSync(f, rows.map((r) => JSON.stringify(r)).join('\n'));
    return f;
  };

  it('reports the eval-report JSON shape in percent, with the LC win rate', () => {
    const rows = ['A', 'A', 'A', 'B', 'tie', 'error'].map((verdict, i) => ({ id: String(i), verdict, lengthA: 10, lengthB: 10 }));
    const report = reportJudgments(write('j.jsonl', rows), { seed: 3 });
    expect(report).toMatchObject({ n: 6, winRate: 60, loseRate: 20, tieRate: 20, netWin: 40, winRateTiesHalf: 70 });
    expect(report.errorRate).toBeCloseTo(100 / 6, 10);
    // Equal lengths leave only the model term; on 5 judged pairs the cross-validated L1 penalty
    // shrinks it all the way to the baseline (AlpacaEval's GLM needs hundreds of pairs).
    expect(report.lcWinRate).toBeGreaterThanOrEqual(50);
    expect(report.lcWinRate).toBeLessThanOrEqual(70);
    expect(report.ci95.netWin).toHaveLength(2);
    const parsed = JSON.parse(JSON.stringify(report));
    for (const key of ['n', 'winRate', 'loseRate', 'tieRate', 'errorRate', 'netWin']) expect(typeof parsed[key]).toBe('number');
    expect(formatJudgmentReport(report)).toMatch(/\| Net Win \(Δ = W − L\) \| 40\.0 \|/);
  });

  it('empty input and malformed lines give clear errors', () => {
    expect(() => reportJudgments(write('empty.jsonl', []))).toThrow(/empty\.jsonl: no judgments to summarise \(empty input\)/);
    expect(() => reportJudgments(write('bad.jsonl', [{ id: '1', verdict: 'A', lengthA: 1, lengthB: 1 }, { id: '2', verdict: 'win' }]))).toThrow(
      /bad\.jsonl line 2: field "verdict" must be/,
    );
  });
});
