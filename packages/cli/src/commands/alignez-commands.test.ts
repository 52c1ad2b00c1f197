import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEditHooksForQueries, loadEdits, readPreferenceData } from '@aligndial/alignez';
import { Tokenizer, createModelDecoder, loadModel } from '@aligndial/core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../run-cli.js';
import { runAlignezCaa } from './alignez-caa.js';
import { runAlignezFit } from './alignez-fit.js';
import { runAlignezGenerateData } from './alignez-generate-data.js';
import { runCreateRandom } from './create-random.js';

let dir: string;
let modelDir: string;
let queries: string;

beforeAll(async () => {
  process.env.ALIGNDIAL_PROGRESS = '0';
  dir = mkdtempSync(join(tmpdir(), 'alignez-cli-'));
  modelDir = join(dir, 'model');
  await runCreateRandom({ shape: 'tiny', out: modelDir, seed: 3 });
  queries = join(dir, 'queries.txt');
  writeFileSync(queries, 'How do I bake bread?\nTell me a joke.\n\nWhy is the sky blue?\nName three fruits.\nHow do magnets work?\n');
});

describe('aligndial alignez', () => {
  it('generate-data → fit through the command line, then the edits apply to generation', async () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const data = join(dir, 'prefs.jsonl');
    const edits = join(dir, 'edits');
    try {
      expect(
        await runCli(['node', 'aligndial', 'alignez', 'generate-data', '--model', modelDir, '--queries', queries, '--out', data, '--traits-max-tokens', '4', '--max-new-tokens', '6', '--temperature', '1', '--backend', 'wasm']),
      ).toBe(0);
      expect(
        await runCli(['node', 'aligndial', 'alignez', 'fit', '--model', modelDir, '--data', data, '--out', edits, '--k', '3', '--max-pair-cosine', '1', '--backend', 'wasm']),
      ).toBe(0);
    } finally {
      stdout.mockRestore();
    }
    const file = readPreferenceData(data);
    expect(file.records.map((r) => r.id)).toEqual(['1', '2', '4', '5', '6']);
    expect(file.header.settings.answers).toMatchObject({ maxNewTokens: 6, temperature: 1, topP: 0.9 });
    expect(existsSync(join(edits, 'edits.json')) && existsSync(join(edits, 'edits.safetensors'))).toBe(true);

    const model = loadModel(modelDir);
    const tokenizer = Tokenizer.fromDir(modelDir);
    const loaded = loadEdits(edits, model);
    expect(loaded.layers).toEqual([0, 1]); // --layers 5 on a 2-layer model keeps both
    const hooks = createEditHooksForQueries(model, tokenizer, loaded, { queries: ['How do I bake bread?'], strength: 1 });
    const decoder = createModelDecoder(model, { hooks });
    const logits = decoder.next([tokenizer.encode('How do I bake bread?')], [tokenizer.encode('How do I bake bread?').map(() => 1)]);
    expect(logits.shape).toEqual([1, 300]);
    logits.dispose();
    decoder.dispose();
    hooks.dispose();
    model.dispose();
  });

  it('resumes: a second run generates nothing new; fit options reach the manifest', async () => {
    const data = join(dir, 'resume.jsonl');
    const base = { model: modelDir, queries, out: data, traitsMaxTokens: 3, maxNewTokens: 4, temperature: 1, topP: 0.9, seed: 0, batchSize: 2, progress: false };
    const first = await runAlignezGenerateData({ ...base, limit: 2 });
    expect(first).toMatchObject({ total: 2, generated: 2, resumed: 0 });
    const second = await runAlignezGenerateData(base);
    expect(second).toMatchObject({ total: 5, generated: 3, resumed: 2 });
    const fit = await runAlignezFit({
      model: modelDir, data, out: join(dir, 'global'), layers: 1, k: 10, global: true, pooling: 'mean', embedText: 'query-response', maxPairCosine: 1, batchSize: 4, maxTokens: 64, progress: false,
    });
    expect(fit).toMatchObject({ mode: 'global', pairs: 5, kept: 5 });
    expect(fit.layers).toHaveLength(1);
    // Diagnostics for every layer of the model, the edited one marked; 5 pairs allow a 5-fold cross-fit.
    const numLayers = loadEdits(join(dir, 'global')).manifest.model.numLayers;
    expect(fit.diagnostics).toHaveLength(numLayers);
    expect(fit.diagnostics!.filter((d) => d.edited).map((d) => d.layer)).toEqual(fit.layers);
    for (const d of fit.diagnostics!) {
      expect(Math.abs(d.helpHarmCosine)).toBeLessThanOrEqual(1);
      expect(d.heldOutPairAccuracy).toBeGreaterThanOrEqual(0);
      expect(d.heldOutPairAccuracy).toBeLessThanOrEqual(1);
      expect(d.editScale).toBeGreaterThanOrEqual(0);
    }
    const manifest = loadEdits(join(dir, 'global')).manifest;
    expect(manifest).toMatchObject({ pooling: 'mean', maxTokens: 64, alignez: { embedText: 'query-response', mode: 'global' } });
  });

  it('caa writes steering vectors from a ShareGPT preference file', async () => {
    const pairs = join(dir, 'pairs.json');
    writeFileSync(
      pairs,
      JSON.stringify([
        { conversations: [{ from: 'human', value: 'Hi!' }], chosen: { from: 'gpt', value: 'Hello, how can I help?' }, rejected: { from: 'gpt', value: 'Go away.' } },
        { conversations: [{ from: 'system', value: 'Be nice.' }, { from: 'human', value: 'Help me.' }], chosen: { from: 'gpt', value: 'Sure.' }, rejected: { from: 'gpt', value: 'No.' } },
      ]),
    );
    const summary = await runAlignezCaa({ model: modelDir, data: pairs, out: join(dir, 'caa'), layer: [1], pooling: 'last', batchSize: 8, maxTokens: 64, progress: false });
    expect(summary).toMatchObject({ layers: [1], pairs: 2 });
    expect(summary.vectorNorms[0]).toBeGreaterThan(0);
    expect(loadEdits(join(dir, 'caa')).method).toBe('caa');
  });

  it('reports user mistakes as one-line errors', async () => {
    const stderr: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
    try {
      expect(await runCli(['node', 'aligndial', 'alignez', 'fit', '--model', modelDir, '--data', join(dir, 'missing.jsonl'), '--out', join(dir, 'x')])).toBe(1);
      expect(await runCli(['node', 'aligndial', 'alignez', 'generate-data', '--model', modelDir, '--queries', queries, '--out', join(dir, 'y.jsonl'), '--templates', 'nope'])).toBe(1);
      expect(await runCli(['node', 'aligndial', 'alignez', 'fit', '--model', modelDir, '--data', 'x', '--out', 'y', '--pooling', 'max'])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(stderr.join('')).toMatch(/missing\.jsonl: preference-data file not found/);
    expect(stderr.join('')).toMatch(/templates "nope" is neither a preset nor an existing file/);
  });
});
