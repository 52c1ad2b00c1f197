import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAS_SHARED_DATA, SHARED_DATA_DIR, runEvalCli, tempDir, writeJsonl } from './eval-test-support.js';

const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('aligndial eval compare + report (rule judges)', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);
  const a = writeJsonl(join(tmp.dir, 'a.jsonl'), [
    { id: 1, prompt: 'Q1', output: 'aaaaaaaa' }, // longer → A wins
    { id: 2, prompt: 'Q2', output: 'a' }, // shorter → B wins
    { id: 3, prompt: 'Q3', output: 'abc' }, // equal → tie
    { id: 4, prompt: 'Q4', output: 'a long answer' }, // longer → A wins
    { id: 5, prompt: 'Q5', output: 'only in A' },
  ]);
  const b = writeJsonl(join(tmp.dir, 'b.jsonl'), [
    { id: 4, prompt: 'Q4', output: 'short' },
    { id: 3, prompt: 'Q3', output: 'xyz' },
    { id: 2, prompt: 'Q2', output: 'bbbbb' },
    { id: 1, prompt: 'Q1', output: 'bbb' },
  ]);

  it('judges with rule:length and reports W/L/T and Net Win in percent', async () => {
    const out = join(tmp.dir, 'j.jsonl');
    const run = await runEvalCli(['compare', '--a', a, '--b', b, '--judge', 'rule:length', '--out', out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('4/4 pairs judged (errors 0, requests 0');
    expect(run.stderr).toContain(`1 id(s) only in ${a}`);
    expect(lines(out).map((r) => [r.id, r.verdict])).toEqual([['1', 'A'], ['2', 'B'], ['3', 'tie'], ['4', 'A']]);

    const report = await runEvalCli(['report', '--judgments', out, '--json']);
    expect(report.code).toBe(0);
    const json = JSON.parse(report.stdout);
    // 4 pairs: W 2, L 1, T 1 → 50 / 25 / 25 %, Δ = 25, no errors.
    expect(json).toMatchObject({ n: 4, winRate: 50, loseRate: 25, tieRate: 25, errorRate: 0, netWin: 25 });
    const [lo, hi] = json.ci95.netWin;
    expect(lo).toBeLessThanOrEqual(25);
    expect(hi).toBeGreaterThanOrEqual(25);
    expect(lo).toBeGreaterThanOrEqual(-100);
    expect(hi).toBeLessThanOrEqual(100);
    expect(Object.keys(json).slice(0, 7)).toEqual(['n', 'winRate', 'loseRate', 'tieRate', 'errorRate', 'netWin', 'ci95']);

    const markdown = await runEvalCli(['report', '--judgments', out]);
    expect(markdown.stdout).toContain('4 pairs, 4 judged (W 2 / L 1 / T 1), 0 errors');
    expect(markdown.stdout).toMatch(/\| Net Win \(Δ = W − L\) \| 25\.0 \|/);
  });

  it('--template arena-hard judges both orders and reports the Bradley–Terry win rate; alpaca-eval the LC win rate', async () => {
    const out = join(tmp.dir, 'ah.jsonl');
    const run = await runEvalCli(['compare', '--a', a, '--b', b, '--judge', 'rule:length', '--template', 'arena-hard', '--out', out]);
    expect(run.code).toBe(0);
    const records = lines(out);
    expect(records[0].calls.map((c: { order: string; label: string }) => [c.order, c.label])).toEqual([
      ['BA', 'B>A'],
      ['AB', 'A>B'],
    ]);
    const json = JSON.parse((await runEvalCli(['report', '--judgments', out, '--json'])).stdout);
    // rule:length: 2 pairs won in both games, 1 lost in both, 1 tie in both → P = (2·4 + 2) / (2·8).
    expect(json.arenaHard).toMatchObject({ battles: 8, games: 8, droppedGames: 0, rounds: 100 });
    expect(json.arenaHard.winRate).toBeCloseTo(62.5, 10);
    const md = (await runEvalCli(['report', '--judgments', out])).stdout;
    expect(md).toMatch(/\| Arena-Hard win rate \(Bradley–Terry\) \| 62\.5 \| \[/);

    const ae = join(tmp.dir, 'ae.jsonl');
    expect((await runEvalCli(['compare', '--a', a, '--b', b, '--judge', 'rule:length', '--template', 'alpaca-eval', '--out', ae])).code).toBe(0);
    const aeJson = JSON.parse((await runEvalCli(['report', '--judgments', ae, '--json'])).stdout);
    expect(aeJson.alpacaEval).toMatchObject({ winRate: 62.5, nWins: 2, nWinsBase: 1, nDraws: 1, nTotal: 4 });
    expect(aeJson.lcWinRate).toBe(aeJson.alpacaEval.lcWinRate);
  });

  it('counts unparsable verdicts as errors (not ties) and swap disagreement as ties', async () => {
    // Always prefers position 1 (so under --swap every pair is inconsistent → tie), except Q3: garbage.
    const rule = join(tmp.dir, 'first.mjs');
    writeFileSync(rule, "export default ({ question }) => (question.includes('Q3') ? 'nonsense' : 'first');\n");
    const out = join(tmp.dir, 'swap.jsonl');
    const run = await runEvalCli(['compare', '--a', a, '--b', b, '--judge', `rule:${rule}`, '--swap', '--out', out]);
    // The file is written and summarised, and the run exits 1: one pair has no verdict.
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('4/4 pairs judged (errors 1,');
    expect(run.stderr).toContain(`aligndial: error: 1 of 4 pairs got no usable verdict from the judge (the rest were judged); each has an "error" field in ${out}`);
    expect(lines(out).map((r) => r.verdict)).toEqual(['tie', 'tie', 'error', 'tie']);
    const json = JSON.parse((await runEvalCli(['report', '--judgments', out, '--json'])).stdout);
    // 3 judged ties and 1 error of 4: T = 100 % of judged, errors = 25 % of all.
    expect(json).toMatchObject({ n: 4, winRate: 0, loseRate: 0, tieRate: 100, errorRate: 25, netWin: 0, inconsistent: 3 });
    expect(json.ci95.netWin).toEqual([0, 0]);
  });

  it('prints one-line errors for bad input', async () => {
    const broken = writeJsonl(join(tmp.dir, 'broken.jsonl'), [{ id: 1, prompt: 'Q1', output: 'x' }, { id: 2, prompt: 'Q2' }]);
    const bad = await runEvalCli(['compare', '--a', broken, '--b', b, '--judge', 'rule:length', '--out', join(tmp.dir, 'x.jsonl')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(`aligndial: error: ${broken} line 2: missing field "output"\n`);

    const spec = await runEvalCli(['compare', '--a', a, '--b', b, '--judge', 'gpt4', '--out', join(tmp.dir, 'x.jsonl')]);
    expect(spec.code).toBe(1);
    expect(spec.stderr).toMatch(/^aligndial: error: invalid judge spec "gpt4".*\n$/);

    const rule = await runEvalCli(['compare', '--a', a, '--b', b, '--judge', 'rule:./missing-judge.js', '--out', join(tmp.dir, 'x.jsonl')]);
    expect(rule.code).toBe(1);
    expect(rule.stderr).toMatch(/^aligndial: error: cannot load rule judge module .*missing-judge\.js/);
    expect(rule.stderr).not.toContain('internal error');

    const local = await runEvalCli(['compare', '--a', a, '--b', b, '--judge', `local:${join(tmp.dir, 'nope')}`, '--out', join(tmp.dir, 'x.jsonl')]);
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('no such model folder');

    const missing = await runEvalCli(['compare', '--a', a, '--judge', 'rule:length', '--out', join(tmp.dir, 'x.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--b <file>' not specified");
  });

  it.skipIf(!HAS_SHARED_DATA)('names the FastChat templates when --template is unknown', async () => {
    const run = await runEvalCli(['compare', '--a', a, '--b', b, '--judge', 'rule:length', '--template', 'pair-v9', '--data-dir', SHARED_DATA_DIR, '--out', join(tmp.dir, 'x.jsonl')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^aligndial: error: unknown pairwise judge template "pair-v9" \(known: alignez, arena-hard, alpaca-eval, pair-v2, .*\)\n$/);
  });

  it('has help with an example', async () => {
    const help = await runEvalCli(['compare', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('aligndial eval compare --a ours.jsonl --b base.jsonl --judge openai:gpt-4o-mini');
  });
});

describe.skipIf(!HAS_SHARED_DATA)('aligndial eval compare on two-turn answers (MT-Bench)', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('judges them with the multi-turn template unless --template says otherwise', async () => {
    const turns = (text: string) => [`${text} one`, `${text} two`];
    const a = writeJsonl(join(tmp.dir, 'a.jsonl'), [{ id: '81', prompt: ['Q', 'Q2'], output: turns('a much longer answer') }]);
    const b = writeJsonl(join(tmp.dir, 'b.jsonl'), [{ id: '81', prompt: ['Q', 'Q2'], output: turns('short') }]);
    const out = join(tmp.dir, 'j.jsonl');
    const run = await runEvalCli(['compare', '--a', a, '--b', b, '--judge', 'rule:length', '--data-dir', SHARED_DATA_DIR, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(lines(out)).toMatchObject([{ id: '81', verdict: 'A', template: 'pair-v2-multi-turn' }]);
    const forced = await runEvalCli(['compare', '--a', a, '--b', b, '--judge', 'rule:length', '--template', 'alignez', '--out', join(tmp.dir, 'k.jsonl')]);
    expect(forced.code).toBe(1);
    expect(forced.stderr).toMatch(/judge template "alignez" judges one turn/);
  });
});
