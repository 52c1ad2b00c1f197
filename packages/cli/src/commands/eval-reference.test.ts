import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAS_SHARED_DATA, SHARED_DATA_DIR, runEvalCli, tempDir } from './eval-test-support.js';

describe.skipIf(!HAS_SHARED_DATA)('aligndial eval reference', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it("writes AlpacaEval's baseline outputs as an answers file; refuses a benchmark without references", async () => {
    const out = join(tmp.dir, 'ae-ref.jsonl');
    const run = await runEvalCli(['reference', '--bench', 'alpaca-eval', '--data-dir', SHARED_DATA_DIR, '--limit', '3', '--out', out]);
    expect(run).toMatchObject({ code: 0, stdout: `${out}: 3 reference answers\n` });
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => r.id)).toEqual(['0', '1', '2']);
    for (const r of rows) expect(typeof r.output).toBe('string');
    const mt = await runEvalCli(['reference', '--bench', 'mt-bench', '--data-dir', SHARED_DATA_DIR, '--out', join(tmp.dir, 'mt.jsonl')]);
    expect(mt.code).toBe(1);
    expect(mt.stderr).toContain('ships no reference output');
  });
});
