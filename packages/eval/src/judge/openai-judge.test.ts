import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compareAnswers } from '../compare/compare-answers.js';
import { readJudgments } from '../compare/judgment-record.js';
import { JudgeConfigError } from '../errors.js';
import { appendAnswer } from '../io/answers.js';
import { chatCompletionBody, type FakeOpenAI, type FakeRequest, type FakeSend, startFakeOpenAI } from '../test-support/fake-openai.js';
import { tempDir } from '../test-support/shared-data.js';

/**
 * The fake endpoint's behaviour: the prompt id after "Question:" selects a scenario; the answer
 * containing "GOOD" gets the higher score, wherever it is shown.
 */
function verdict(userPrompt: string): string {
  const first = userPrompt.split('## Assistant 2:')[0];
  return first.includes('GOOD') ? '9 4\nAssistant 1 is more helpful.' : '4 9\nAssistant 2 is more helpful.';
}

function handle(counts: Map<string, number>, request: FakeRequest, send: FakeSend): void {
  const { messages } = request.body;
  const user = messages.find((m) => m.role === 'user')!.content;
  const scenario = user.match(/^Question: (\S+)/)?.[1] ?? '?';
  const n = (counts.get(scenario) ?? 0) + 1;
  counts.set(scenario, n);
  const reasked = messages.length > 2;
  const ok = () => send(200, chatCompletionBody(verdict(user)));
  const kind = scenario.replace(/-\d+$/, '');
  switch (kind) {
    case 'good':
      return ok();
    case 'flaky500':
      return n <= 2 ? send(500, '{"error":{"message":"boom"}}') : ok();
    case 'ratelimit':
      return n === 1 ? send(429, '{"error":{"message":"slow down"}}', { 'retry-after-ms': '1' }) : ok();
    case 'slow':
      if (n === 1) {
        setTimeout(ok, 6000); // longer than the client's timeout
        return;
      }
      return ok();
    case 'garbage':
      return send(200, chatCompletionBody('I cannot decide between them.'));
    case 'reask':
      return send(200, chatCompletionBody(reasked ? verdict(user) : 'Both are fine, really.'));
    case 'down':
      return send(503, '{"error":{"message":"unavailable"}}');
    case 'badjson':
      return send(200, '{"choices": [oops');
    case 'auth':
      return send(401, '{"error":{"message":"invalid api key"}}');
    default:
      return send(400, '{"error":{"message":"unknown scenario"}}');
  }
}

describe('OpenAI-compatible judge against a real HTTP server', () => {
  const tmp = tempDir();
  const counts = new Map<string, number>();
  let fake: FakeOpenAI;
  const judgeOptions = { apiKey: 'test-key', timeoutMs: 2000, retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 50 } };

  beforeAll(async () => {
    fake = await startFakeOpenAI((request, send) => handle(counts, request, send));
  });
  beforeEach(() => {
    counts.clear();
    fake.requests.length = 0;
  });
  afterAll(async () => {
    await fake.close();
    tmp.cleanup();
  });

  function answerFiles(name: string, ids: string[]): { aFile: string; bFile: string } {
    const aFile = join(tmp.dir, `${name}-a.jsonl`);
    const bFile = join(tmp.dir, `${name}-b.jsonl`);
    for (const id of ids) {
      appendAnswer(aFile, { id, prompt: id, output: `GOOD answer to ${id}` });
      appendAnswer(bFile, { id, prompt: id, output: `plain answer to ${id}` });
    }
    return { aFile, bFile };
  }

  it('gets verdicts, retries 5xx/429/timeouts, and buckets garbage and failures as errors', async () => {
    const ids = ['good', 'flaky500', 'ratelimit', 'slow', 'garbage', 'reask', 'down', 'badjson'];
    const files = answerFiles('mixed', ids);
    const outFile = join(tmp.dir, 'mixed.judgments.jsonl');
    const progress: number[] = [];
    const result = await compareAnswers({
      ...files,
      judge: `openai:judge-model@${fake.url}`,
      judgeOptions,
      outFile,
      concurrency: 3,
      onProgress: (p) => progress.push(p.done),
    });

    const byId = new Map(readJudgments(outFile).map((r) => [r.id, r]));
    expect([...byId.keys()]).toEqual(ids); // written in A's order
    for (const id of ['good', 'flaky500', 'ratelimit', 'slow', 'reask']) expect(byId.get(id)?.verdict, id).toBe('A');
    for (const id of ['garbage', 'down', 'badjson']) expect(byId.get(id)?.verdict, id).toBe('error');
    expect(byId.get('garbage')?.error).toMatch(/unparsable/);
    expect(byId.get('garbage')?.calls[0].firstRaw).toBe('I cannot decide between them.');
    expect(byId.get('down')?.error).toMatch(/503.*after 3 attempts/);
    expect(byId.get('badjson')?.error).toMatch(/bad response/);
    expect(byId.get('reask')?.calls[0].scores).toEqual(expect.arrayContaining([9, 4]));

    // Requests per prompt: retries (2 max → 3 attempts) and one re-ask for unparsable replies.
    expect(Object.fromEntries(counts)).toEqual({
      good: 1,
      flaky500: 3,
      ratelimit: 2,
      slow: 2,
      garbage: 2,
      reask: 2,
      down: 3,
      badjson: 1,
    });
    expect(result).toMatchObject({ total: 8, judged: 8, pending: 0, errors: 3, requests: 16, budgetExhausted: false });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    // What was sent: the model, temperature 0, the key, and the AlignEZ system prompt.
    expect(fake.requests[0].body).toMatchObject({ model: 'judge-model', temperature: 0 });
    expect(fake.requests[0].body.messages[0].content).toMatch(/^You are a helpful, harmless, and precise assistant/);
    expect(fake.requests[0].authorization).toBe('Bearer test-key');

    // Rerun: everything judged (including the unparsable reply) comes from the cache; only
    // transport failures are retried.
    counts.clear();
    const again = await compareAnswers({ ...files, judge: `openai:judge-model@${fake.url}`, judgeOptions, outFile });
    expect(Object.fromEntries(counts)).toEqual({ down: 3, badjson: 1 });
    expect(again).toMatchObject({ requests: 4, cachedCalls: 6, errors: 3 });
  });

  it('stops at the request budget and resumes from the cache without paying twice', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `good-${i}`);
    const files = answerFiles('budget', ids);
    const outFile = join(tmp.dir, 'budget.judgments.jsonl');
    const run = () => compareAnswers({ ...files, judge: `openai:judge-model@${fake.url}`, judgeOptions, outFile, concurrency: 1, budget: 4 });

    const first = await run();
    expect(first).toMatchObject({ total: 6, judged: 4, pending: 2, requests: 4, budgetExhausted: true });
    expect(readJudgments(outFile)).toHaveLength(4);

    const second = await run();
    expect(second).toMatchObject({ judged: 6, pending: 0, requests: 2, cachedCalls: 4, budgetExhausted: false });

    const before = fake.requests.length;
    const third = await run();
    expect(fake.requests.length).toBe(before); // zero requests
    expect(third).toMatchObject({ judged: 6, requests: 0, cachedCalls: 6 });
    expect(readJudgments(outFile).map((r) => r.verdict)).toEqual(Array(6).fill('A'));
  });

  it('stops the run on an authentication error instead of filling the error bucket', async () => {
    const files = answerFiles('auth', ['auth-1', 'auth-2', 'auth-3']);
    const outFile = join(tmp.dir, 'auth.judgments.jsonl');
    await expect(
      compareAnswers({ ...files, judge: `openai:judge-model@${fake.url}`, judgeOptions, outFile, concurrency: 1 }),
    ).rejects.toThrow(JudgeConfigError);
    expect(fake.requests.length).toBe(1);
  });
});
