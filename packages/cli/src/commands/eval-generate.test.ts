import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCreateRandom } from './create-random.js';
import { HAS_SHARED_DATA, SHARED_DATA_DIR, runEvalCli, tempDir, writeJsonl } from './eval-test-support.js';

const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('aligndial eval generate on a tiny random model', () => {
  const tmp = tempDir();
  const model = join(tmp.dir, 'tiny');
  const prompts = join(tmp.dir, 'prompts.txt');
  beforeAll(async () => {
    await runCreateRandom({ shape: 'tiny', out: model, seed: 0 });
    writeFileSync(prompts, 'Say hello.\nName a prime number.\n\nWhat is 2+3?\n');
  });
  afterAll(tmp.cleanup);

  it('answers the first --max-samples prompts, then a rerun resumes with the rest', async () => {
    const out = join(tmp.dir, 'answers.jsonl');
    const first = await runEvalCli(['generate', '--model', model, '--prompts', prompts, '--max-samples', '2', '--max-new-tokens', '4', '--out', out]);
    expect(first).toMatchObject({ code: 0, stdout: `${out}: 2 answers (2 new, 0 resumed)\n` });
    const two = lines(out);
    expect(two.map((r) => [r.id, r.prompt])).toEqual([['1', 'Say hello.'], ['2', 'Name a prime number.']]);
    for (const r of two) expect(typeof r.output).toBe('string');

    const rest = await runEvalCli(['generate', '--model', model, '--prompts', prompts, '--max-new-tokens', '4', '--out', out]);
    expect(rest).toMatchObject({ code: 0, stdout: `${out}: 3 answers (1 new, 2 resumed)\n` });
    const three = lines(out);
    expect(three.slice(0, 2)).toEqual(two); // untouched
    expect(three[2]).toMatchObject({ id: '4', prompt: 'What is 2+3?' }); // ids are line numbers
  });

  it('answers multi-turn prompts turn by turn', async () => {
    const file = writeJsonl(join(tmp.dir, 'turns.jsonl'), [{ id: 'q1', prompt: ['Hi.', 'And again?'] }]);
    const out = join(tmp.dir, 'turns-answers.jsonl');
    const run = await runEvalCli(['generate', '--model', model, '--prompts', file, '--max-new-tokens', '3', '--out', out]);
    expect(run.code).toBe(0);
    const [record] = lines(out);
    expect(record.prompt).toEqual(['Hi.', 'And again?']);
    expect(record.output).toHaveLength(2);

    const raw = await runEvalCli(['generate', '--model', model, '--prompts', file, '--raw', '--out', join(tmp.dir, 'raw.jsonl')]);
    expect(raw).toMatchObject({ code: 2, stderr: 'aligndial: error: --raw works with single-turn prompts only; these prompts have several turns\n' });
  });

  it.skipIf(!HAS_SHARED_DATA)('answers MT-Bench (two turns) from --bench', async () => {
    const out = join(tmp.dir, 'mt.jsonl');
    const run = await runEvalCli(['generate', '--model', model, '--bench', 'mt-bench', '--data-dir', SHARED_DATA_DIR, '--max-samples', '1', '--max-new-tokens', '2', '--out', out]);
    expect(run.code).toBe(0);
    const [record] = lines(out);
    expect(record.id).toBe('81');
    expect(record.prompt).toHaveLength(2);
    expect(record.output).toHaveLength(2);
  });

  it('gives clear errors for bad input', async () => {
    const out = join(tmp.dir, 'x.jsonl');
    const neither = await runEvalCli(['generate', '--model', model, '--out', out]);
    expect(neither).toMatchObject({ code: 2, stderr: 'aligndial: error: give exactly one of --bench NAME or --prompts FILE\n' });

    const cwd = process.cwd();
    process.chdir(tmp.dir); // no ../shared/data from here
    try {
      const noData = await runEvalCli(['generate', '--model', model, '--bench', 'mt-bench', '--out', out]);
      expect(noData.code).toBe(2);
      expect(noData.stderr).toMatch(/^aligndial: error: --bench mt-bench needs the benchmark data folder, but \.\.\/shared\/data does not exist .*; pass --data-dir DIR\n$/);
    } finally {
      process.chdir(cwd);
    }
    const badDir = await runEvalCli(['generate', '--model', model, '--bench', 'mt-bench', '--data-dir', join(tmp.dir, 'nope'), '--out', out]);
    expect(badDir.stderr).toContain('--data-dir');
    expect(badDir.stderr).toContain('no such folder');

    const missing = await runEvalCli(['generate', '--model', model, '--prompts', join(tmp.dir, 'none.txt'), '--out', out]);
    expect(missing).toMatchObject({ code: 1, stderr: `aligndial: error: ${join(tmp.dir, 'none.txt')}: prompts file not found\n` });

    const limit = await runEvalCli(['generate', '--model', model, '--prompts', prompts, '--max-samples', '0', '--out', out]);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('--max-samples');
  });

  it('has help with examples', async () => {
    const help = await runEvalCli(['generate', '--help']);
    expect(help.stdout).toContain('--model <dir>');
    expect(help.stdout).toContain('aligndial eval generate --model DIR --bench mt-bench --out answers/mt.jsonl');
  });
});
