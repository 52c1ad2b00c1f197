import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatTrainBenchmark, runBenchTrain } from './bench-train.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

// Smoke test on the tiny shape, through real worker processes running the CLI from source; the
// numbers themselves come from `aligndial bench train`.
describe('bench train', () => {
  it('measures CLM (one added layer) against full DPO, each in its own process, with peak memory and ratios', async () => {
    const result = await runBenchTrain(
      { shape: 'tiny', batchSize: 1, promptLength: 4, completionLength: 3, steps: 2, warmup: 1, rounds: 1, trainable: ['clm', 'all'], gradientCheckpointing: 'auto', backend: 'wasm' },
      { command: [process.execPath, '--import', 'tsx', `${ROOT}packages/cli/src/bin.ts`], env: { TSX_TSCONFIG_PATH: `${ROOT}tsconfig.source.json` } },
    );
    const [clm, full] = result.runs;
    expect([clm.trainable, full.trainable]).toEqual(['clm', 'all']);
    expect(result.backend).toBe('wasm');
    expect(clm.trainableParameters).toBeLessThan(full.trainableParameters);
    for (const run of result.runs) {
      expect(run.optimizerStateBytes).toBe(2 * 4 * run.trainableParameters);
      expect(run.roundMs).toHaveLength(1);
      expect(run.msPerStep).toBeGreaterThan(0);
      expect(run.peakTensorBytes).toBeGreaterThan(run.modelBytes);
      expect(run.peakRssBytes).toBeGreaterThan(run.peakTensorBytes);
      expect(run.plannedPeakBytes).toBeGreaterThan(0);
    }
    expect(full.timeRatio).toBe(1);
    expect(clm.timeRatio).toBeCloseTo(clm.msPerStep / full.msPerStep, 10);
    expect(formatTrainBenchmark(result)).toMatch(/^backend wasm, random tiny .* median of 1 round\(s\), each selection in its own process\nclm .* ms\/step \(.*× all/);
  });
});
