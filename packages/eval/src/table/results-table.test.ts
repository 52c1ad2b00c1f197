import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/shared-data.js';
import { buildResultsTable, formatResultsCsv, formatResultsMarkdown } from './results-table.js';
import { parseTableFileName } from './table-file-name.js';
import { writeResultsTable } from './write-results-table.js';

const jsonl = (file: string, rows: object[]) => writeFileSync(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
const verdicts = (vs: string[]) => vs.map((verdict, i) => ({ id: String(i), verdict, lengthA: 10, lengthB: 10, judge: 't', template: 'alignez', calls: [] }));

describe('eval table', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);
  const dir = tmp.dir;
  jsonl(join(dir, 'dpo.just-eval.judgments.jsonl'), verdicts(['A', 'A', 'A', 'B'])); // Δ = 50
  jsonl(join(dir, 'clm@0.5.just-eval.judgments.jsonl'), verdicts(['A', 'B', 'tie', 'tie'])); // Δ = 0
  jsonl(join(dir, 'clm@1.just-eval.judgments.jsonl'), verdicts(['A', 'A', 'B', 'tie'])); // Δ = 25 → RI 50
  jsonl(
    join(dir, 'clm@1.alpaca-eval.judgments.jsonl'),
    [0.9, 0.2, 0.5, 1].map((preference, i) => ({ id: String(i), verdict: 'A', preference, lengthA: 10, lengthB: 10, judge: 't', template: 'weighted_alpaca_eval_gpt4_turbo', calls: [] })),
  );
  const call = (order: string, label: string) => ({ order, verdict: 'first', label, raw: '', cached: false });
  jsonl(
    join(dir, 'clm@1.arena-hard.judgments.jsonl'),
    [
      { id: '1', calls: [call('BA', 'B>>A'), call('AB', 'A>B')] }, // 4 wins
      { id: '2', calls: [call('BA', 'A>B'), call('AB', 'A=B')] }, // 1 loss, 1 tie
    ].map((r) => ({ ...r, verdict: 'A', lengthA: 1, lengthB: 1, judge: 't', template: 'arena-hard-v0.1' })),
  );
  jsonl(
    join(dir, 'clm@1.mt-bench.grades.jsonl'),
    [
      [1, 8],
      [1, 6],
      [2, 5],
      [2, null],
    ].map(([turn, score], i) => ({ id: String(i >> 1), turn, score, raw: '', judge: 't', template: 'single-v1', cached: false })),
  );
  writeFileSync(join(dir, 'notes.txt'), 'ignored');

  it('parses result file names', () => {
    expect(parseTableFileName('clm@0.5.alpaca-eval.judgments.jsonl')).toEqual({ method: 'clm', lambda: 0.5, bench: 'alpaca-eval', kind: 'judgments' });
    expect(parseTableFileName('dpo.mt-bench.grades.jsonl')).toEqual({ method: 'dpo', bench: 'mt-bench', kind: 'grades' });
    expect(parseTableFileName('clm@-0.5.arena-hard.judgments.jsonl')?.lambda).toBe(-0.5);
    expect(parseTableFileName('answers.jsonl')).toBeUndefined();
  });

  it('renders hand-checkable rows: LC/WR, Arena-Hard with CI, MT-Bench turns, Net Win and RI', () => {
    const table = buildResultsTable(dir, { aligned: 'dpo', seed: 0 });
    expect(table.rows.map((r) => [r.method, r.lambda])).toEqual([
      ['clm', 0.5],
      ['clm', 1],
      ['dpo', undefined],
    ]);
    const clm1 = table.rows[1];
    expect(clm1.alpacaEvalWr?.value).toBeCloseTo(65, 10);
    expect(clm1.arenaHard?.value).toBeCloseTo((100 * (2 * 4 + 1)) / (2 * 6), 10); // 4 W, 1 T, 1 L
    expect(clm1.arenaHard?.ci95).toHaveLength(2);
    expect(clm1.mtBench1?.value).toBe(7);
    expect(clm1.mtBench2?.value).toBe(5);
    expect(clm1.netWin['just-eval'].value).toBe(25);
    expect(clm1.ri['just-eval'].value).toBe(50);
    expect(table.rows[0].ri['just-eval'].value).toBe(0);
    const md = formatResultsMarkdown(table);
    expect(md.split('\n')[0]).toBe(
      '| method | λ | AlpacaEval LC % | AlpacaEval WR % | Arena-Hard WR % | MT-Bench turn 1 | MT-Bench turn 2 | Net Win % (just-eval) | RI % (just-eval) |',
    );
    expect(md).toMatch(/\| clm \| 1 \| [\d.]+ \| 65\.0 \| 75\.0 \[[\d.]+, [\d.]+\] \| 7\.00 \| 5\.00 \| 25\.0 \[/);
    expect(md).toMatch(/\| dpo \| {2}\| {2}\| {2}\| {2}\| {2}\| {2}\| 50\.0 \[[-\d.]+, [\d.]+\] \| 100\.0 \|/);
    const csv = formatResultsCsv(table).split('\n');
    expect(csv[0]).toBe(
      'method,lambda,AlpacaEval LC %,AlpacaEval WR %,Arena-Hard WR %,Arena-Hard WR % ci_low,Arena-Hard WR % ci_high,MT-Bench turn 1,MT-Bench turn 2,Net Win % (just-eval),Net Win % (just-eval) ci_low,Net Win % (just-eval) ci_high,RI % (just-eval)',
    );
    expect(csv[3]).toMatch(/^dpo,,,,,,,,,50,-?[\d.]+,[\d.]+,100$/);
  });

  it('writes Markdown, CSV, SVG and PNG, and explains an empty folder or an unknown RI row', async () => {
    const out = join(dir, 'out', 'table1');
    const written = await writeResultsTable(dir, out, { aligned: 'dpo' });
    for (const f of Object.values(written.files)) expect(existsSync(f)).toBe(true);
    expect(readFileSync(written.files.png).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(written.files.svg, 'utf8')).toContain('<svg');
    expect(() => buildResultsTable(join(dir, 'out'))).toThrow(/no results files named METHOD/);
    expect(() => buildResultsTable(dir, { aligned: 'sft' })).toThrow(/no row "sft" for RI \(rows: clm@0\.5, clm@1, dpo\)/);
  });
});
