import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEvalCli, tempDir, writeVerdicts } from './eval-test-support.js';

describe('aligndial eval table', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('renders a table from fixture files and writes Markdown, CSV, SVG and PNG', async () => {
    writeVerdicts(join(tmp.dir, 'dpo.just-eval.judgments.jsonl'), ['A', 'A', 'A', 'B']);
    writeVerdicts(join(tmp.dir, 'clm@1.just-eval.judgments.jsonl'), ['A', 'A', 'B', 'tie']);
    writeVerdicts(join(tmp.dir, 'clm@1.arena-hard.judgments.jsonl'), ['A', 'A', 'B', 'tie']);
    const out = join(tmp.dir, 'table');
    const run = await runEvalCli(['table', '--dir', tmp.dir, '--out', out, '--aligned', 'dpo']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('| method | λ | Arena-Hard WR % | Net Win % (just-eval) | RI % (just-eval) |');
    expect(run.stdout).toMatch(/\| clm \| 1 \| 62\.5 \[[\d.]+, [\d.]+\] \| 25\.0 \[[-\d.]+, [\d.]+\] \| 50\.0 \|/);
    for (const ext of ['md', 'csv', 'svg', 'png']) expect(existsSync(`${out}.${ext}`)).toBe(true);
  });

  it('explains a folder without results files', async () => {
    const run = await runEvalCli(['table', '--dir', join(tmp.dir, 'nothing-here'), '--out', join(tmp.dir, 'x')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^aligndial: error: .*nothing-here: no such folder\n$/);
  });
});
