import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compareAnswers } from '../compare/compare-answers.js';
import { readJudgments } from '../compare/judgment-record.js';
import { appendAnswer } from '../io/answers.js';
import { reportJudgments } from '../metrics/report-judgments.js';
import { chatCompletionBody, type FakeOpenAI, type FakeRequest, type FakeSend, startFakeOpenAI } from '../test-support/fake-openai.js';
import { tempDir } from '../test-support/shared-data.js';
import { ALPACA_EVAL_TEMPLATE } from './alpaca-eval-template.js';
import { ARENA_HARD_TEMPLATE } from './arena-hard-template.js';

/**
 * A judge with known answers. Arena-Hard: the answer marked GREAT is "significantly" better, GOOD
 * "slightly", otherwise a tie; the question "nolabel" first gets a reply without a label.
 * AlpacaEval: the output marked GOOD gets probability .8 (the other .15, a stray token .05);
 * for the question "nolog" the endpoint returns no logprobs, only the identifier.
 */
function arenaHardReply(user: string, reasked: boolean): string {
  const [a, b] = user.split("<|The Start of Assistant B's Answer|>");
  const question = user.match(/<\|User Prompt\|>\n(\S+)/)?.[1];
  if (question === 'nolabel' && !reasked) return 'Both answers look fine to me.';
  const grade = (text: string) => (text.includes('GREAT') ? 2 : text.includes('GOOD') ? 1 : 0);
  const d = grade(a) - grade(b);
  const label = d >= 2 ? 'A>>B' : d === 1 ? 'A>B' : d === 0 ? 'A=B' : d === -1 ? 'B>A' : 'B>>A';
  return `My own answer first... My final verdict is: [[${label}]]`;
}

function alpacaEvalReply(request: FakeRequest, send: FakeSend): void {
  const user = request.body.messages[1].content;
  const [output1, output2] = user.split('"model_identifier": "M"');
  const question = user.match(/"instruction": """(\S+)"""/)?.[1];
  const first = output1.includes('GOOD') && !output2.includes('GOOD');
  const second = output2.includes('GOOD') && !output1.includes('GOOD');
  if (question === 'nolog') return send(200, chatCompletionBody(first ? 'm' : 'M'));
  const [pm, pM] = first ? [0.8, 0.15] : second ? [0.15, 0.8] : [0.475, 0.475];
  const top = [
    { token: 'm', logprob: Math.log(pm) },
    { token: 'M', logprob: Math.log(pM) },
    { token: 'The', logprob: Math.log(0.05) },
  ].sort((x, y) => y.logprob - x.logprob);
  send(200, chatCompletionBody(top[0].token, top));
}

describe('benchmark protocols against a fake judge on 127.0.0.1', () => {
  const tmp = tempDir();
  let fake: FakeOpenAI;
  const judgeOptions = { apiKey: 'test-key', timeoutMs: 2000, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } };

  beforeAll(async () => {
    fake = await startFakeOpenAI((request, send) => {
      const system = request.body.messages[0].content;
      if (system === ALPACA_EVAL_TEMPLATE.system) return alpacaEvalReply(request, send);
      const user = request.body.messages[1].content;
      send(200, chatCompletionBody(arenaHardReply(user, request.body.messages.length > 2)));
    });
  });
  beforeEach(() => {
    fake.requests.length = 0;
  });
  afterAll(async () => {
    await fake.close();
    tmp.cleanup();
  });

  function answers(name: string, rows: Array<[id: string, ours: string, baseline: string]>): { aFile: string; bFile: string } {
    const aFile = join(tmp.dir, `${name}-ours.jsonl`);
    const bFile = join(tmp.dir, `${name}-base.jsonl`);
    for (const [id, ours, baseline] of rows) {
      appendAnswer(aFile, { id, prompt: id, output: ours });
      appendAnswer(bFile, { id, prompt: id, output: baseline });
    }
    return { aFile, bFile };
  }

  it('Arena-Hard v0.1: its prompt, both orders (baseline first), five labels, Bradley–Terry win rate', async () => {
    const files = answers('arena', [
      ['q1', 'GREAT answer', 'plain answer'], // B>>A then A>>B: 3 + 3 wins
      ['q2', 'GOOD answer', 'plain answer'], // B>A then A>B: 2 wins
      ['q3', 'plain answer', 'plain answer'], // 2 ties
      ['q4', 'plain answer', 'GOOD answer'], // A>B then B>A: 2 losses
      ['nolabel', 'plain answer', 'plain answer'], // re-asked once per game, then 2 ties
    ]);
    const outFile = join(tmp.dir, 'arena.judgments.jsonl');
    const result = await compareAnswers({ ...files, judge: `openai:judge-model@${fake.url}`, judgeOptions, template: 'arena-hard', outFile, concurrency: 1 });
    // 10 games; for identical answers both orders send the same prompt, so the cache answers the
    // second (q3, nolabel); "nolabel" costs a re-ask.
    expect(result).toMatchObject({ total: 5, judged: 5, errors: 0, requests: 9, cachedCalls: 2 });

    const first = fake.requests[0].body;
    expect(first).toMatchObject({ model: 'judge-model', temperature: 0 });
    expect(first.messages[0]).toEqual({ role: 'system', content: ARENA_HARD_TEMPLATE.system });
    // Game 1 shows the baseline as Assistant A, game 2 shows ours as A.
    expect(first.messages[1].content).toBe(
      "<|User Prompt|>\nq1\n\n<|The Start of Assistant A's Answer|>\nplain answer\n<|The End of Assistant A's Answer|>\n\n" +
        "<|The Start of Assistant B's Answer|>\nGREAT answer\n<|The End of Assistant B's Answer|>",
    );
    expect(fake.requests[1].body.messages[1].content).toContain("Assistant A's Answer|>\nGREAT answer");
    const reask = fake.requests.find((r) => r.body.messages.length > 2)!.body.messages;
    expect(reask[3]).toEqual({ role: 'user', content: 'continue your judgment and finish by outputting a final verdict label' });

    const records = readJudgments(outFile);
    expect(records[0].calls.map((c) => [c.order, c.label])).toEqual([
      ['BA', 'B>>A'],
      ['AB', 'A>>B'],
    ]);
    // Battles: 8 wins, 4 ties, 2 losses → P = (2·8 + 4) / (2·14) = 10/14.
    const report = reportJudgments(outFile);
    expect(report.arenaHard).toMatchObject({ battles: 14, games: 10, droppedGames: 0 });
    expect(report.arenaHard!.winRate).toBeCloseTo((100 * 10) / 14, 10);
    expect(report.arenaHard!.ci95[0]).toBeLessThanOrEqual(report.arenaHard!.winRate);
    expect(report.arenaHard!.ci95[1]).toBeGreaterThanOrEqual(report.arenaHard!.winRate);
  });

  it('AlpacaEval 2: its annotator prompt, logprob preference (text when none), seeded order, win rate', async () => {
    const files = answers('alpaca', [
      ['a1', 'GOOD answer', 'plain answer'], // P(ours) = .8/.95
      ['a2', 'plain answer', 'GOOD answer'], // P(ours) = .15/.95
      ['nolog', 'GOOD answer', 'plain answer'], // no logprobs: identifier text → 1
      ['a4', 'plain answer', 'plain answer'], // .475 vs .475 → ½
      ['a5', 'GOOD answer', 'plain answer'],
      ['a6', 'plain answer', 'GOOD answer'],
    ]);
    const outFile = join(tmp.dir, 'alpaca.judgments.jsonl');
    const result = await compareAnswers({ ...files, judge: `openai:judge-model@${fake.url}`, judgeOptions, template: 'alpaca-eval', outFile, seed: 1 });
    expect(result).toMatchObject({ total: 6, judged: 6, errors: 0, requests: 6 });

    const body = fake.requests[0].body;
    expect(body).toMatchObject({ logprobs: true, top_logprobs: 5, max_tokens: 1 });
    expect(body.messages[0].content).toBe(ALPACA_EVAL_TEMPLATE.system);
    expect(body.messages[1].content).toMatch(/## Instruction\n\n\{\n {4}"instruction": """(a1|a2|nolog|a4|a5|a6)""",\n\}/);
    expect(body.messages[1].content).toMatch(/## Best Model Identifier$/);

    const records = readJudgments(outFile);
    const pref = Object.fromEntries(records.map((r) => [r.id, r.preference]));
    expect(pref.a1).toBeCloseTo(0.8 / 0.95, 12);
    expect(pref.a2).toBeCloseTo(0.15 / 0.95, 12);
    expect(pref.nolog).toBe(1);
    expect(pref.a4).toBeCloseTo(0.5, 12);
    expect(new Set(records.map((r) => r.calls[0].order))).toEqual(new Set(['AB', 'BA'])); // AlpacaEval randomises order
    expect(records.find((r) => r.id === 'a4')!.verdict).toBe('tie');

    const report = reportJudgments(outFile);
    // (.8/.95 + .15/.95 + 1 + ½ + .8/.95 + .15/.95) / 6 = 3.5 / 6
    expect(report.alpacaEval!.winRate).toBeCloseTo((100 * 3.5) / 6, 10);
    expect(report.alpacaEval).toMatchObject({ nWins: 3, nWinsBase: 2, nDraws: 1, nTotal: 6, errors: 0 });
    expect(report.lcWinRate).toBe(report.alpacaEval!.lcWinRate);
  });
});
