import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAS_SHARED_DATA, SHARED_DATA_DIR, runEvalCli, tempDir } from './eval-test-support.js';

describe.skipIf(!HAS_SHARED_DATA)('aligndial eval reference', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it("writes AlpacaEval's baseline outputs as an answers file; refuses a benchmark without references", async () => {
    const out = join(tmp.dir, 'ae-ref.jsonl');
    const run = await runEvalCli(['reference', '--bench', 'alpaca-eval', '--data-dir', SHARED_DATA_DIR, '--max-samples', '3', '--out', out]);
    expect(run).toMatchObject({ code: 0, stdout: `${out}: 3 reference answers\n` });
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => r.id)).toEqual(['0', '1', '2']);
    for (const r of rows) expect(typeof r.output).toBe('string');
    const mt = await runEvalCli(['reference', '--bench', 'mt-bench', '--data-dir', SHARED_DATA_DIR, '--out', join(tmp.dir, 'mt.jsonl')]);
    expect(mt.code).toBe(1);
    expect(mt.stderr).toContain('ships no reference output');
  });

  it("--from converts arena-hard-auto's baseline answers, matched by uid", async () => {
    const questions = readFileSync(join(SHARED_DATA_DIR, 'arena_hard', 'question-v0.1.jsonl'), 'utf8').trim().split('\n').slice(0, 3).map((l) => JSON.parse(l));
    const from = join(tmp.dir, 'gpt-4-0314.jsonl');
    writeFileSync(from, questions.map((q, i) => JSON.stringify({ question_id: q.uid, model_id: 'gpt-4-0314', choices: [{ index: 0, turns: [{ content: `answer ${i}` }] }] })).join('\n'));
    const out = join(tmp.dir, 'ah-baseline.jsonl');
    const run = await runEvalCli(['reference', '--bench', 'arena-hard', '--from', from, '--max-samples', '3', '--data-dir', SHARED_DATA_DIR, '--out', out]);
    expect(run).toMatchObject({ code: 0, stdout: `${out}: 3 reference answers\n` });
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.id, r.prompt, r.output])).toEqual(questions.map((q, i) => [q.uid, q.prompt, `answer ${i}`]));
    const short = await runEvalCli(['reference', '--bench', 'arena-hard', '--from', from, '--data-dir', SHARED_DATA_DIR, '--out', out]);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/497 prompt\(s\) have no answer/);
  });
});
