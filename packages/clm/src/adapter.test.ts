import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsReader, initBackend, loadModel, saveModel, saveTokenizer, writeSafetensors } from '@aligndial/core';
import { createSyntheticTokenizerJson } from '@aligndial/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTER_MANIFEST_FILE, ADAPTER_WEIGHTS_FILE, readAdapterManifest } from './adapter-manifest.js';
import { applyAdapter, expandModel, exportMergedModel, loadClmModel, saveAdapter } from './adapter.js';
import { configHash } from '@aligndial/core';
import { maxAbsDiff, perturbAdded, tinyConfig, tinyModel } from './testing/fixtures.js';

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'clm-adapter-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A base model directory (weights + synthetic tokenizer) with seed `seed`. */
function baseDir(name: string, seed: number, overrides = {}): string {
  const out = join(dir, name);
  if (existsSync(out)) return out;
  const model = tinyModel(seed, overrides);
  saveModel(model, out);
  model.dispose();
  const { tokenizerJson, tokenizerConfig } = createSyntheticTokenizerJson(tinyConfig(overrides).vocabSize);
  saveTokenizer(out, tokenizerJson, tokenizerConfig);
  return out;
}

describe('adapter files', () => {
  it('saves only the added layers plus a manifest, and loads back onto the base bit for bit', () => {
    const modelDir = baseDir('base', 11, { qkvBias: true, outputBias: true, mlpBias: true });
    const clm = expandModel(loadModel(modelDir), { layers: 2 });
    perturbAdded(clm);
    const adapterDir = join(dir, 'adapter-a');
    saveAdapter(clm, adapterDir, { baseSource: modelDir, training: { loss: 'sigmoid', beta: 0.1 } });

    const manifest = readAdapterManifest(adapterDir);
    expect(manifest).toMatchObject({ format: 'aligndial-clm-adapter', formatVersion: 1, numAddedLayers: 2, copiedLayer: 0 });
    expect(manifest.base.configHash).toBe(configHash(clm.config));
    expect(manifest.base.source).toBe(modelDir);
    expect(manifest.training).toEqual({ loss: 'sigmoid', beta: 0.1 });
    const reader = SafetensorsReader.open(join(adapterDir, ADAPTER_WEIGHTS_FILE));
    const names = reader.names();
    reader.close();
    expect(names.every((n) => /^model\.layers\.[01]\./.test(n))).toBe(true);
    expect(names).toContain('model.layers.1.self_attn.o_proj.bias');
    expect(names).toHaveLength(2 * 16); // 9 matrices + 3 q/k/v + 1 o_proj + 3 MLP biases per layer

    const loaded = loadClmModel(modelDir, adapterDir);
    expect(loaded.numAdded).toBe(2);
    expect(loaded.origin.training).toEqual({ loss: 'sigmoid', beta: 0.1 });
    const ids = [[3, 40, 41, 42, 100]];
    for (const lambda of [0, 0.5, 1, 2]) expect(maxAbsDiff(loaded.forward(ids, { lambda }), clm.forward(ids, { lambda }))).toBe(0);
    loaded.dispose();
    clm.dispose();
  });

  it('refuses an adapter made for another model shape, naming the differing fields', () => {
    const clm = expandModel(tinyModel(12));
    const adapterDir = join(dir, 'adapter-b');
    saveAdapter(clm, adapterDir);
    clm.dispose();
    const other = tinyModel(12, { intermediateSize: 48 });
    expect(() => applyAdapter(other, adapterDir)).toThrow(/made for a different base model \(intermediateSize: adapter 64, model 48\)/);
    other.dispose();
  });

  it('refuses an adapter made for other weights of the same shape unless told to allow it', () => {
    const clm = expandModel(tinyModel(13));
    const adapterDir = join(dir, 'adapter-c');
    saveAdapter(clm, adapterDir, { baseSource: 'seed-13' });
    clm.dispose();
    const other = tinyModel(14);
    expect(() => applyAdapter(other, adapterDir)).toThrow(/made for other weights of the same shape/);
    const forced = applyAdapter(other, adapterDir, { allowWeightsMismatch: true });
    expect(forced.numAdded).toBe(1);
    forced.dispose();
  });

  it('names the file and the problem for a missing directory, a foreign manifest or a missing tensor', () => {
    expect(() => loadClmModel(baseDir('base-d', 15), join(dir, 'nope'))).toThrow(/nope: adapter directory not found/);
    const fake = join(dir, 'fake');
    const clm = expandModel(tinyModel(15));
    saveAdapter(clm, fake);
    clm.dispose();
    const manifest = JSON.parse(readFileSync(join(fake, ADAPTER_MANIFEST_FILE), 'utf8'));
    writeFileSync(join(fake, ADAPTER_MANIFEST_FILE), JSON.stringify({ ...manifest, numAddedLayers: 2 }));
    const base = tinyModel(15);
    expect(() => applyAdapter(base, fake)).toThrow(/adapter\.safetensors: tensor "model\.layers\.1\.input_layernorm\.weight" is missing/);
    writeFileSync(join(fake, ADAPTER_MANIFEST_FILE), JSON.stringify({ ...manifest, format: 'peft' }));
    expect(() => applyAdapter(base, fake)).toThrow(/not a CLM adapter manifest \(field "format" is "peft"/);
    writeFileSync(join(fake, ADAPTER_MANIFEST_FILE), JSON.stringify({ ...manifest, numAddedLayers: 0 }));
    expect(() => applyAdapter(base, fake)).toThrow(/field "numAddedLayers" must be a whole number from 1 to 1024, got 0/);
    writeFileSync(join(fake, ADAPTER_MANIFEST_FILE), JSON.stringify({ ...manifest, numAddedLayers: 1e9 }));
    expect(() => applyAdapter(base, fake)).toThrow(/field "numAddedLayers" must be a whole number from 1 to 1024, got 1000000000/);
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    writeFileSync(join(fake, ADAPTER_MANIFEST_FILE), JSON.stringify({ ...manifest, formatVersion: 'DEEP' }).replace('"DEEP"', deep));
    expect(() => applyAdapter(base, fake)).toThrow(/field "formatVersion" is \[\[\[\[\[…\]\]\]\]\]; this aligndial reads version 1$/);
    writeFileSync(join(fake, ADAPTER_MANIFEST_FILE), JSON.stringify({ ...manifest, copiedLayer: 99 }));
    expect(() => applyAdapter(base, fake)).toThrow(/field "copiedLayer" is 99, but the base model has 2 layers/);
    base.dispose();
  });

  it('records the weights sha256: weights and manifest from two different saves are refused, not loaded', () => {
    const a = join(dir, 'torn');
    const clm = expandModel(tinyModel(16));
    saveAdapter(clm, a);
    const firstWeights = readFileSync(join(a, ADAPTER_WEIGHTS_FILE));
    perturbAdded(clm);
    saveAdapter(clm, a, { training: { loss: 'sigmoid' } });
    clm.dispose();
    expect(readAdapterManifest(a).weightsSha256).toMatch(/^[0-9a-f]{64}$/);
    // A kill between the two renames: new manifest beside the old weights.
    writeFileSync(join(a, ADAPTER_WEIGHTS_FILE), firstWeights);
    const base = tinyModel(16);
    expect(() => applyAdapter(base, a)).toThrow(/adapter\.safetensors: does not match adapter\.json \(sha256 .*two different saves/);
    base.dispose();
  });

  it('an integer-typed tensor in the adapter is refused, not loaded as garbage', () => {
    const a = join(dir, 'int');
    const clm = expandModel(tinyModel(17));
    saveAdapter(clm, a);
    clm.dispose();
    const reader = SafetensorsReader.open(join(a, ADAPTER_WEIGHTS_FILE));
    const tensors = Object.fromEntries(reader.names().map((n) => [n, { dtype: 'F32' as const, shape: [...reader.info(n).shape], data: reader.readFloat32(n) }]));
    reader.close();
    const name = 'model.layers.0.input_layernorm.weight';
    const retyped = { ...tensors, [name]: { dtype: 'I32' as const, shape: tensors[name].shape, data: new Int32Array(tensors[name].data.length) } };
    writeSafetensors(join(a, ADAPTER_WEIGHTS_FILE), retyped);
    const manifest = JSON.parse(readFileSync(join(a, ADAPTER_MANIFEST_FILE), 'utf8'));
    delete manifest.weightsSha256; // as an adapter saved before hashes were recorded
    writeFileSync(join(a, ADAPTER_MANIFEST_FILE), JSON.stringify(manifest));
    const base = tinyModel(17);
    expect(() => applyAdapter(base, a)).toThrow(/tensor "model\.layers\.0\.input_layernorm\.weight": has dtype I32, but weights must be a float dtype/);
    base.dispose();
  });

  it('a new adapter directory appears whole; temp files of killed writes are cleaned up at the next save', () => {
    const a = join(dir, 'fresh', 'adapter');
    const deadPid = 2 ** 22 + 12345; // above Linux's pid_max default: no such process
    mkdirSync(join(dir, 'fresh', `.adapter.tmp-${deadPid}-1-x`), { recursive: true });
    const clm = expandModel(tinyModel(18));
    saveAdapter(clm, a);
    mkdirSync(join(a, `.checkpoint-4.tmp-${deadPid}-1-x`));
    writeFileSync(join(a, `.adapter.json.${deadPid}.123.tmp`), '{');
    writeFileSync(join(a, `.adapter.json.${process.pid}.123.tmp`), '{'); // a live writer's: kept
    saveAdapter(clm, a);
    clm.dispose();
    expect(readdirSync(join(dir, 'fresh'))).toEqual(['adapter']);
    expect(readdirSync(a).sort()).toEqual([`.adapter.json.${process.pid}.123.tmp`, ADAPTER_MANIFEST_FILE, ADAPTER_WEIGHTS_FILE].sort());
  });
});

describe('export at λ = 1', () => {
  it('writes a plain checkpoint (base + added layers) whose logits equal the CLM at λ = 1', () => {
    const modelDir = baseDir('base-e', 16);
    const clm = expandModel(loadModel(modelDir), { layers: 2 });
    perturbAdded(clm);
    const out = join(dir, 'exported');
    exportMergedModel(clm, out, { modelDir });
    for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json']) {
      expect(existsSync(join(out, file))).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).num_hidden_layers).toBe(4);
    const merged = loadModel(out);
    const ids = [
      [1, 50, 51, 52, 53, 54],
      [1, 60, 61, 62, 63, 64],
    ];
    expect(maxAbsDiff(merged.forward(ids), clm.forward(ids, { lambda: 1 }))).toBeLessThan(1e-6);
    merged.dispose();
    clm.dispose();
  });
});
