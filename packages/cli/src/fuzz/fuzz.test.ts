import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@aligndial/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFuzzSeeds } from './fuzz-seeds.js';
import { runFuzz } from './fuzz-runner.js';

/**
 * Fuzz suite (issue 12): mutated checkpoints, configs, adapters, edits and preference files must each end in
 * a clean one-line error naming the file, or a legitimate load: never a raw JS error, a hang (> 10 s), a heap
 * abort or silent garbage. CI runs a seeded sample bounded to well under 60 s; `FUZZ_N=3000` (and optionally
 * `FUZZ_SEED`, `FUZZ_ONLY=17,42` to replay cases) runs the long mode.
 */
const longMode = process.env.FUZZ_N !== undefined;
const n = longMode ? Number(process.env.FUZZ_N) : 180;
const seed = Number(process.env.FUZZ_SEED ?? 12);
const only = process.env.FUZZ_ONLY?.split(',').map(Number);

let root: string;
beforeAll(async () => {
  await initBackend('wasm');
  root = mkdtempSync(join(tmpdir(), 'aligndial-fuzz-'));
  writeFuzzSeeds(join(root, 'seeds'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('fuzz: hostile and broken inputs', () => {
  it(
    `${n} seeded mutations (seed ${seed}) end in a clean error or a legitimate load`,
    async () => {
      const report = await runFuzz({
        n,
        seed,
        only,
        seedRoot: join(root, 'seeds'),
        workDir: join(root, 'cases'),
        // CI: stop starting cases after 40 s, leaving room for the seeds and the worker's start in 60 s.
        budgetMs: longMode || only ? undefined : 40_000,
      });
      const { tried, clean, accepted, crashes, hangs } = report.counts;
      console.log(
        `fuzz (seed ${seed}): tried ${tried}, clean error ${clean}, accepted ${accepted}, crashes ${crashes}, hangs ${hangs}` +
          ` in ${(report.elapsedMs / 1000).toFixed(1)} s${report.stoppedAtBudget ? ' (stopped at the CI time budget)' : ''}`,
      );
      const { slowest } = report;
      console.log(`  slowest case: ${slowest.ms.toFixed(0)} ms (case ${slowest.index}, ${slowest.target}: ${slowest.mutation})`);
      for (const [target, c] of Object.entries(report.byTarget)) {
        console.log(`  ${target.padEnd(24)} tried ${c.tried}, clean ${c.clean}, accepted ${c.accepted}, crashes ${c.crashes}, hangs ${c.hangs}`);
      }
      for (const f of report.failures.slice(0, 20)) console.log(`  case ${f.index} [${f.target}] ${f.mutation}: ${f.kind}: ${f.detail}`);
      expect(report.failures).toEqual([]);
      expect(tried).toBeGreaterThanOrEqual(Math.min(n, 40));
      expect(clean).toBeGreaterThan(0);
    },
    longMode ? 4 * 3600_000 : 120_000,
  );
});
