import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AlignEzEdits, type CaaEdits, type EditsManifest, saveEdits } from '@aligndial/alignez';
import { expandModel, saveAdapter } from '@aligndial/clm';
import { Rng, modelFingerprint, saveModel, saveTokenizer, tf } from '@aligndial/core';
import { configForShape, createRandomModel, createSyntheticTokenizerJson } from '@aligndial/core/testing';

/** Where each seed artifact lives under the seed root. */
export const SEED = {
  model: 'model',
  adapter: 'adapter',
  editsKnn: 'edits-knn',
  editsCaa: 'edits-caa',
  prefsJsonl: 'prefs.jsonl',
  prefsJson: 'prefs.json',
} as const;

/**
 * Writes the valid artifacts the fuzzer mutates: a tiny Llama model directory (synthetic tokenizer),
 * a trained-looking CLM adapter, AlignEZ (kNN) and CAA edits, and preference files in TRL JSONL
 * (standard + conversational) and ShareGPT JSON. Call `initBackend` first.
 */
export function writeFuzzSeeds(root: string): void {
  mkdirSync(root, { recursive: true });
  const config = configForShape('tiny', { numLayers: 2 });
  const model = createRandomModel(config, { seed: 3, initStd: 0.1 });
  const modelDir = join(root, SEED.model);
  saveModel(model, modelDir);
  const { tokenizerJson, tokenizerConfig } = createSyntheticTokenizerJson(config.vocabSize);
  saveTokenizer(modelDir, tokenizerJson, tokenizerConfig);

  const clm = expandModel(createRandomModel(config, { seed: 3, initStd: 0.1 }), { layers: 1 });
  const rng = new Rng(5);
  for (const v of clm.addedParameters().values()) {
    const noise = Float32Array.from({ length: v.size }, () => rng.normal() * 0.05);
    tf.tidy(() => v.assign(tf.add(v, tf.tensor(noise, v.shape))));
  }
  saveAdapter(clm, join(root, SEED.adapter), { baseSource: modelDir, training: { loss: 'sigmoid', beta: 0.1 } });
  clm.dispose();

  const D = config.hiddenSize;
  const unit = () => {
    const v = Float32Array.from({ length: D }, () => rng.normal());
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
  const manifest: EditsManifest = {
    format: 'aligndial.edits',
    version: 1,
    method: 'alignez',
    createdAt: '2026-01-01T00:00:00.000Z',
    model: modelFingerprint(model),
    layers: [0, 1],
    hiddenSize: D,
    pooling: 'last',
    maxTokens: 64,
    alignez: {
      mode: 'knn',
      k: 2,
      layerCount: 2,
      embedText: 'response',
      maxPairCosine: 0.99,
      pairs: { total: 3, kept: 3, droppedNearDuplicate: [], droppedEmpty: [] },
      layerScores: [1.5, 1.5],
      helpHarmCosine: [0.1, 0.2],
      helpSingularValue: [1, 1],
      harmSingularValue: [1, 1],
    },
  };
  const bank = () => [0, 1, 2].map(() => [unit(), unit()]);
  const knn: AlignEzEdits = {
    method: 'alignez',
    manifest,
    layers: [0, 1],
    help: [unit(), unit()],
    harm: [unit(), unit()],
    knn: { k: 2, ids: ['q0', 'q1', 'q2'], queries: bank(), help: bank(), harm: bank() },
  };
  saveEdits(join(root, SEED.editsKnn), knn);
  const caa: CaaEdits = {
    method: 'caa',
    manifest: { ...manifest, method: 'caa', alignez: undefined, layers: [1], caa: { pairs: 3, vectorNorms: [1] } },
    layers: [1],
    vectors: [unit()],
  };
  saveEdits(join(root, SEED.editsCaa), caa);
  model.dispose();

  const rows = [
    { prompt: 'What is two plus two?', chosen: ' Four.', rejected: ' Five.' },
    { prompt: [{ role: 'user', content: 'Name a colour 😀' }], chosen: [{ role: 'assistant', content: 'Blue.' }], rejected: [{ role: 'assistant', content: 'Seven.' }] },
    { chosen: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }], rejected: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Go away.' }] },
  ];
  writeFileSync(join(root, SEED.prefsJsonl), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  const sharegpt = [
    { conversations: [{ from: 'human', value: 'Capital of France?' }], chosen: { from: 'gpt', value: 'Paris.' }, rejected: { from: 'gpt', value: 'Rome.' } },
    { system: 'Be brief.', conversations: [{ from: 'human', value: 'Largest ocean?' }], chosen: { from: 'gpt', value: 'Pacific.' }, rejected: { from: 'gpt', value: 'Lake.' } },
  ];
  writeFileSync(join(root, SEED.prefsJson), JSON.stringify(sharegpt, null, 1));
}

/** Copies one seed (a directory or a file) to `to`. */
export function copySeed(root: string, seed: string, to: string): void {
  cpSync(join(root, seed), to, { recursive: true });
}
