import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCreateRandom } from './create-random.js';
import { runEvalCli, tempDir } from './eval-test-support.js';

const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('aligndial eval compare with a local:DIR judge (tiny random model, end to end)', () => {
  const tmp = tempDir();
  const model = join(tmp.dir, 'tiny');
  const a = join(tmp.dir, 'a.jsonl');
  const b = join(tmp.dir, 'b.jsonl');
  beforeAll(async () => {
    await runCreateRandom({ shape: 'tiny', out: model, seed: 0 });
    const prompts = join(tmp.dir, 'prompts.txt');
    writeFileSync(prompts, 'Say hello.\nName a prime number.\n');
    for (const [out, n] of [[a, '3'], [b, '6']]) {
      const run = await runEvalCli(['generate', '--model', model, '--prompts', prompts, '--max-new-tokens', n, '--out', out]);
      expect(run.code).toBe(0);
    }
  });
  afterAll(tmp.cleanup);

  it('judges every pair, counts unparsable verdicts as errors, and serves a rerun from the cache', async () => {
    const out = join(tmp.dir, 'j.jsonl');
    const run = await runEvalCli(['compare', '--a', a, '--b', b, '--judge', `local:${model}`, '--out', out]);
    const records = lines(out);
    expect(records.map((r) => r.id)).toEqual(['1', '2']);
    for (const r of records) {
      expect(['A', 'B', 'tie', 'error']).toContain(r.verdict);
      expect(r.judge).toBe(`local:${model}`);
      expect(r.calls[0].cached).toBe(false);
    }
    const errors = records.filter((r) => r.verdict === 'error').length;
    // A tiny random judge may give no verdict: the file is still written, and the run then exits 1.
    expect(run.code).toBe(errors > 0 ? 1 : 0);
    const requests = records.reduce((sum, r) => sum + (r.verdict === 'error' || r.calls[0].firstRaw !== undefined ? 2 : 1), 0);
    expect(run.stdout).toBe(`${out}: 2/2 pairs judged (errors ${errors}, requests ${requests}, cached calls 0)\n`);

    const again = await runEvalCli(['compare', '--a', a, '--b', b, '--judge', `local:${model}`, '--out', out]);
    expect(again.stdout).toBe(`${out}: 2/2 pairs judged (errors ${errors}, requests 0, cached calls 2)\n`);
    expect(lines(out).map((r) => r.verdict)).toEqual(records.map((r) => r.verdict));

    const report = await runEvalCli(['report', '--judgments', out, '--json']);
    if (errors === 2) expect(report).toMatchObject({ code: 1, stderr: `aligndial: error: ${out}: all 2 judgments are errors; nothing to rate\n` });
    else expect(JSON.parse(report.stdout)).toMatchObject({ n: 2, errorRate: errors * 50 });
  });
});
