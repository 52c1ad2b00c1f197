import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerDemoCommand, runDemoCommand } from '../commands/demo.js';

describe('aligndial demo', () => {
  const out = mkdtempSync(join(tmpdir(), 'aligndial-demo-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('has the documented flags', () => {
    const program = new Command();
    registerDemoCommand(program);
    const demo = program.commands.find((c) => c.name() === 'demo')!;
    const flags = demo.options.map((o) => o.long);
    for (const f of ['--out', '--judge', '--max-steps', '--eval-prompts', '--quick', '--model', '--lambdas', '--no-alignez']) expect(flags).toContain(f);
  });

  it('runs the whole pipeline (--quick) and prints a row per method and λ with finite numbers', async () => {
    process.env.ALIGNDIAL_PROGRESS = '0';
    let printed = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        printed += String(chunk);
        done();
      },
    });
    const stderrWrite = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    let result;
    try {
      result = await runDemoCommand({ out, quick: true, alignez: true, seed: 0 }, sink);
    } finally {
      process.stderr.write = stderrWrite;
    }
    const labels = result.rows.map((r) => `${r.label}@${r.lambda}`);
    expect(labels).toEqual([
      'CLM@0', 'CLM@0.5', 'CLM@1', 'CLM@1.5', 'CLM@2',
      'base+AlignEZ@0', 'CLM+AlignEZ@0.5', 'CLM+AlignEZ@1', 'CLM+AlignEZ@1.5', 'CLM+AlignEZ@2',
    ]);
    for (const r of result.rows) {
      for (const v of [r.winRate, r.loseRate, r.tieRate, r.netWin, r.meanReward, r.helpfulRate]) expect(Number.isFinite(v)).toBe(true);
      expect(r.n).toBe(14);
      expect(r.errorRate).toBe(0);
      expect(r.winRate + r.loseRate + r.tieRate).toBeCloseTo(100, 6);
      expect(r.netWin).toBeCloseTo(r.winRate - r.loseRate, 6);
    }
    // λ = 0 without edits is the baseline itself.
    expect(result.rows[0]).toMatchObject({ winRate: 0, loseRate: 0, tieRate: 100, netWin: 0 });
    expect(printed).toContain('Net Win %');
    expect(printed).toContain('base+AlignEZ');
    // Under the table, one line per method reads the sweep on the model it measured.
    expect(printed).toMatch(/^CLM: (Net Win peaks at λ = [\d.]+|no λ beat the base model).*extrapolating past λ = 1 (helped|did not help)/m);
    expect(printed).toMatch(/^AlignEZ: base\+AlignEZ .*; added to CLM it /m);
    expect(result.reading).toHaveLength(2);
    expect(printed.split('\n').filter((l) => /^(CLM|base\+AlignEZ|CLM\+AlignEZ)\s/.test(l))).toHaveLength(10);
    for (const f of [...result.files.plots, result.files.results, result.files.preferencesTrl, result.files.preferencesShareGpt]) {
      expect(existsSync(f), f).toBe(true);
    }
    expect(result.files.plots.filter((f) => f.endsWith('.png'))).toHaveLength(2);
    expect(readFileSync(result.files.plots[0], 'utf8')).toContain('<svg');
    expect(existsSync(join(result.files.adapter, 'adapter.json'))).toBe(true);
    expect(existsSync(join(result.files.edits!, 'edits.json'))).toBe(true);
  });
});
