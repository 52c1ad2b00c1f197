import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClmModel, readAdapterManifest } from '@aligndial/clm';
import { initBackend, loadModel, tf } from '@aligndial/core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../run-cli.js';
import { runCreateRandom } from './create-random.js';

let dir: string;
let modelDir: string;
let data: string;

beforeAll(async () => {
  process.env.ALIGNDIAL_PROGRESS = '0';
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'clm-cli-'));
  modelDir = join(dir, 'model');
  await runCreateRandom({ shape: 'tiny', out: modelDir, seed: 3 });
  data = join(dir, 'prefs.jsonl');
  const rows = Array.from({ length: 8 }, (_, i) => ({ prompt: `Question ${i}: what is good?`, chosen: ' A kind and helpful answer.', rejected: ' No.' }));
  writeFileSync(data, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
});

/** Runs the CLI with stdout captured; returns the exit code and what it printed. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await runCli(['node', 'aligndial', ...args, '--backend', 'wasm']), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('aligndial clm', () => {
  it('expand → train → export through the command line; the export equals the CLM at λ = 1', async () => {
    const identity = join(dir, 'identity');
    const expanded = await cli('clm', 'expand', '--model', modelDir, '--out', identity, '--add-layers', '2', '--json');
    expect(expanded.code).toBe(0);
    expect(JSON.parse(expanded.stdout)).toMatchObject({ out: identity, addedLayers: 2, copiedLayer: 0 });

    const adapter = join(dir, 'adapter');
    const trained = await cli('clm', 'train', '--model', modelDir, '--adapter', identity, '--data', data, '--out', adapter, '--max-steps', '2', '--batch-size', '4', '--lr', '1e-3', '--beta', '0.2', '--save-steps', '1', '--json');
    expect(trained.code, trained.stderr).toBe(0);
    const summary = JSON.parse(trained.stdout);
    expect(summary).toMatchObject({ out: adapter, steps: 2, trainPairs: 8, addedLayers: 2 });
    expect(summary.trainableParameters).toBeGreaterThan(0);
    const manifest = readAdapterManifest(adapter);
    expect(manifest.numAddedLayers).toBe(2);
    expect(manifest.training).toMatchObject({ method: 'clm-dpo', beta: 0.2, learningRate: 1e-3, steps: 2, data, startAdapter: identity });
    expect(existsSync(join(adapter, 'metrics.jsonl'))).toBe(true);

    // Training into a directory that holds checkpoints of a run needs --resume.
    expect((await cli('clm', 'train', '--model', modelDir, '--data', data, '--out', adapter, '--max-steps', '2', '--add-layers', '2')).stderr).toMatch(/already holds checkpoints/);

    const exported = join(dir, 'exported');
    const exportRun = await cli('clm', 'export', '--model', modelDir, '--adapter', adapter, '--out', exported, '--json');
    expect(exportRun.code).toBe(0);
    expect(JSON.parse(exportRun.stdout)).toMatchObject({ layers: 4, addedLayers: 2 });
    expect(existsSync(join(exported, 'tokenizer.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(exported, 'config.json'), 'utf8')).num_hidden_layers).toBe(4);

    const clm = loadClmModel(modelDir, adapter);
    const merged = loadModel(exported);
    const ids = [[1, 40, 41, 42, 43]];
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(merged.forward(ids), clm.forward(ids, { lambda: 1 })))).dataSync()[0])).toBeLessThan(1e-6);
    merged.dispose();
    clm.dispose();
  });

  it('reports an adapter made for another model as a one-line error', async () => {
    const other = join(dir, 'other-model');
    await runCreateRandom({ shape: 'tiny', out: other, seed: 4 });
    const adapter = join(dir, 'adapter-for-other');
    // The old name of --add-layers still works for a release, with a warning; human output by default.
    const old = await cli('clm', 'expand', '--model', other, '--out', adapter, '--layers', '1');
    expect(old.code).toBe(0);
    expect(old.stderr).toContain('aligndial: warning: --layers is deprecated and will be removed in the next release; use --add-layers');
    expect(old.stdout).toMatch(/^adapter in .*: 1 identity layer\(s\) copied from layer 0, \d+ parameters \(untrained\)\n$/);
    const run = await cli('clm', 'export', '--model', modelDir, '--adapter', adapter, '--out', join(dir, 'x'));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^aligndial: error: .*adapter\.json: this adapter was made for other weights of the same shape/);
    expect(run.stderr).toMatch(/hint: .*--allow-weights-mismatch/);
  });
});
