import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type BenchItem, loadMtBench } from '@aligndial/eval';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_SHARED_DATA, SHARED_DATA_DIR, runEvalCli, tempDir, writeJsonl } from './eval-test-support.js';

describe.skipIf(!HAS_SHARED_DATA)('aligndial eval grade (MT-Bench) against an OpenAI-compatible server on 127.0.0.1', () => {
  // Set up in beforeAll: a skipped describe still runs its body, but not its hooks.
  let tmp: ReturnType<typeof tempDir>;
  let picked: BenchItem[];
  let answers: string;
  const seen: { auth?: string; model?: string; user: string }[] = [];
  let server: Server;
  let url = '';
  const previousKey = process.env.OPENAI_API_KEY;

  beforeAll(async () => {
    tmp = tempDir();
    const questions = loadMtBench(SHARED_DATA_DIR);
    picked = [questions.find((q) => q.category === 'writing')!, questions.find((q) => q.category === 'math')!];
    answers = writeJsonl(
      join(tmp.dir, 'mt.jsonl'),
      picked.map((q) => ({ id: q.id, prompt: q.prompt, output: ['first answer', 'second answer T2'] })),
    );
    // Rates a turn-2 conversation (it contains "T2") 5 and a turn-1 answer 8.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const request = JSON.parse(body);
        const user = request.messages.find((m: { role: string }) => m.role === 'user')?.content ?? '';
        seen.push({ auth: req.headers.authorization, model: request.model, user });
        // The judge model "broken" never gives a rating.
        const content = request.model === 'broken' ? 'I would rather not say.' : `Fine.\nRating: [[${user.includes('T2') ? 5 : 8}]]`;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: request.model, choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    process.env.OPENAI_API_KEY = 'sk-test';
  });
  afterAll(async () => {
    if (previousKey === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = previousKey;
    await new Promise((resolve) => server.close(resolve));
    tmp.cleanup();
  });


  it('grades both turns (reference-guided for math) and reports means per turn and category', async () => {
    const out = join(tmp.dir, 'grades.jsonl');
    const run = await runEvalCli(['grade', '--answers', answers, '--judge', `openai:judge-model@${url}`, '--data-dir', SHARED_DATA_DIR, '--out', out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${out}: 4/4 turns graded (errors 0, requests 4, cached calls 0)\n`);
    expect(seen).toHaveLength(4);
    expect(seen.every((s) => s.auth === 'Bearer sk-test' && s.model === 'judge-model')).toBe(true);
    // The math question's prompts carry its GPT-4 reference answer.
    expect(seen.filter((s) => s.user.includes(picked[1].referenceAnswer![0]))).toHaveLength(2);

    const report = await runEvalCli(['report', '--judgments', out, '--json']);
    expect(JSON.parse(report.stdout)).toMatchObject({
      mean: 6.5,
      total: 4,
      errors: 0,
      turns: { 1: { mean: 8, n: 2 }, 2: { mean: 5, n: 2 } },
      categories: { math: { mean: 6.5 }, writing: { mean: 6.5 } },
    });

    const again = await runEvalCli(['grade', '--answers', answers, '--judge', `openai:judge-model@${url}`, '--data-dir', SHARED_DATA_DIR, '--out', out]);
    expect(again.stdout).toBe(`${out}: 4/4 turns graded (errors 0, requests 0, cached calls 4)\n`);
  });

  it('exits 1 with a one-line error when the judge gives no rating, after writing the grades', async () => {
    const out = join(tmp.dir, 'broken.jsonl');
    const run = await runEvalCli(['grade', '--answers', answers, '--judge', `openai:broken@${url}`, '--data-dir', SHARED_DATA_DIR, '--out', out, '--no-cache']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`^${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: 4/4 turns graded \\(errors 4, `));
    expect(run.stderr.split('\n')[0]).toBe(`aligndial: error: 4 of 4 turns got no usable verdict from the judge (all of them); each has an "error" field in ${out}`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses rule judges and non-benchmark answers with one-line errors', async () => {
    const rule = await runEvalCli(['grade', '--answers', answers, '--judge', 'rule:length', '--out', join(tmp.dir, 'g.jsonl')]);
    expect(rule).toMatchObject({ code: 2, stderr: 'aligndial: error: --judge rule:length: rule judges only compare pairs; grading needs openai:MODEL or local:DIR\n' });

    const other = writeJsonl(join(tmp.dir, 'other.jsonl'), [{ id: 'zz', prompt: 'hi', output: 'hello' }]);
    const bad = await runEvalCli(['grade', '--answers', other, '--judge', `openai:judge-model@${url}`, '--data-dir', SHARED_DATA_DIR, '--out', join(tmp.dir, 'g.jsonl')]);
    expect(bad).toMatchObject({ code: 1, stderr: `aligndial: error: ${other}: id "zz" is not a mt-bench question\n` });
  });
});
