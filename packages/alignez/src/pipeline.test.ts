import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModelDecoder, generate, initBackend, type Transformer, type Tokenizer } from '@aligndial/core';
import { configForShape, createRandomModel } from '@aligndial/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEditHooks } from './edit.js';
import { loadEdits, saveEdits } from './edits-io.js';
import type { AlignEzEdits } from './edits-types.js';
import { fitAlignEz } from './fit.js';
import { generatePreferenceData } from './generate-data.js';
import { embedQueries } from './knn.js';
import { readPreferenceData } from './preference-data.js';
import { createEditHooksForQueries } from './query-hooks.js';
import { TINY_QUERIES, tinyModelAndTokenizer } from './testing/tiny-model.js';

let model: Transformer;
let tokenizer: Tokenizer;
let dir: string;
const SHORT = { traits: { maxNewTokens: 6, temperature: 1 }, answers: { maxNewTokens: 10, temperature: 1 } };

beforeAll(async () => {
  await initBackend('wasm');
  ({ model, tokenizer } = tinyModelAndTokenizer());
  dir = mkdtempSync(join(tmpdir(), 'alignez-pipeline-'));
});

async function greedy(hooks: ReturnType<typeof createEditHooks> | undefined, prompt: number[]): Promise<number[]> {
  const decoder = createModelDecoder(model, { hooks });
  try {
    return (await generate(decoder, [prompt], { maxNewTokens: 12, temperature: 0 })).sequences[0].ids;
  } finally {
    decoder.dispose();
  }
}

function firstLogits(hooks: ReturnType<typeof createEditHooks> | undefined, prompt: number[]): Float32Array {
  const decoder = createModelDecoder(model, { hooks });
  const logits = decoder.next([prompt], [prompt.map(() => 1)]);
  const values = logits.dataSync() as Float32Array;
  logits.dispose();
  decoder.dispose();
  return values;
}

describe('AlignEZ end to end on a tiny random model', () => {
  let edits: AlignEzEdits;
  const data = () => join(dir, 'prefs.jsonl');

  it('self-generates preference data: a header with the settings, one record per query', async () => {
    const progress: number[] = [];
    const result = await generatePreferenceData({ model, tokenizer, queries: TINY_QUERIES, out: data(), ...SHORT, onProgress: (d) => progress.push(d) });
    expect(result.generated).toBe(TINY_QUERIES.length);
    expect(progress.at(-1)).toBe(TINY_QUERIES.length);
    const file = readPreferenceData(data());
    expect(file.records.map((r) => r.id)).toEqual(TINY_QUERIES.map((q) => q.id));
    expect(file.header.settings.traits).toMatchObject({ maxNewTokens: 6, temperature: 1, stopStrings: ['\n\n'] });
    expect(file.header.settings.templates.name).toBe('helpful');
    expect(file.header.settings.model.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    for (const r of file.records) expect(Object.keys(r).sort()).toEqual(['harmful', 'harmfulTraits', 'helpful', 'helpfulTraits', 'id', 'query']);
  });

  it('fits kNN directions; edited generation differs from unedited', async () => {
    const { records, header } = readPreferenceData(data());
    edits = fitAlignEz({ model, tokenizer, records, layers: 2, k: 3, data: { file: data(), settings: header.settings } });
    const a = edits.manifest.alignez!;
    expect(edits.layers).toHaveLength(2);
    expect(a.pairs.kept + a.pairs.droppedNearDuplicate.length + a.pairs.droppedEmpty.length).toBe(TINY_QUERIES.length);
    expect(edits.knn!.ids).toHaveLength(a.pairs.kept);
    expect(a.layerScores).toHaveLength(4);
    const query = TINY_QUERIES[0].query;
    const prompt = tokenizer.encode(query);
    const hooks = createEditHooksForQueries(model, tokenizer, edits, { queries: [query] });
    expect(hooks.neighbours![0]).toHaveLength(Math.min(3, a.pairs.kept));
    if (edits.knn!.ids.includes('q0')) expect(hooks.neighbours![0][0]).toBe('q0'); // a training query is its own nearest neighbour
    const plain = await greedy(undefined, prompt);
    const edited = await greedy(hooks, prompt);
    expect(edited).not.toEqual(plain);
    // α = 0 is the identity.
    const off = createEditHooksForQueries(model, tokenizer, edits, { queries: [query], strength: 0 });
    expect(await greedy(off, prompt)).toEqual(plain);
    hooks.dispose();
    off.dispose();
  });

  it('saved directions reload to identical outputs; a different model is a clear error', async () => {
    const out = join(dir, 'edits');
    saveEdits(out, edits);
    const loaded = loadEdits(out, model) as AlignEzEdits;
    expect(loaded.layers).toEqual(edits.layers);
    expect(loaded.knn!.ids).toEqual(edits.knn!.ids);
    const query = TINY_QUERIES[3].query;
    const prompt = tokenizer.encode(query);
    const h1 = createEditHooksForQueries(model, tokenizer, edits, { queries: [query], strength: 1.5 });
    const h2 = createEditHooksForQueries(model, tokenizer, loaded, { queries: [query], strength: 1.5 });
    expect(await greedy(h2, prompt)).toEqual(await greedy(h1, prompt));
    expect(Array.from(firstLogits(h2, prompt))).toEqual(Array.from(firstLogits(h1, prompt)));
    h1.dispose();
    h2.dispose();

    const other = createRandomModel(configForShape('tiny', { numLayers: 4 }), { seed: 99, initStd: 0.3 });
    expect(() => loadEdits(out, other)).toThrow(/other weights/);
    const warnings: string[] = [];
    expect(() => loadEdits(out, other, { allowWeightsMismatch: true, onWarning: (w) => warnings.push(w) })).not.toThrow();
    expect(warnings).toHaveLength(1);
    expect(() => loadEdits(out, other, { allowWeightMismatch: true })).not.toThrow(); // the old name, for one release
    const smaller = createRandomModel(configForShape('tiny', { numLayers: 3 }), { seed: 1 });
    expect(() => loadEdits(out, smaller)).toThrow(/different model architecture .*4 layers.*3 layers/);
    other.dispose();
    smaller.dispose();

    // Tensors and manifest from two different saves (a write killed between them) are refused.
    const manifest = JSON.parse(readFileSync(join(out, 'edits.json'), 'utf8'));
    writeFileSync(join(out, 'edits.json'), JSON.stringify({ ...manifest, tensorsSha256: 'f'.repeat(64) }));
    expect(() => loadEdits(out, model)).toThrow(/edits\.safetensors: does not match edits\.json \(sha256 .*two different saves/);
    writeFileSync(join(out, 'edits.json'), JSON.stringify({ ...manifest, layers: [...manifest.layers].reverse() }));
    expect(() => loadEdits(out, model)).toThrow(/field "layers" must be strictly ascending/);
  });

  it('global mode, per-row directions for a batch, and batched embeddings match single ones', async () => {
    const { records } = readPreferenceData(data());
    const global = fitAlignEz({ model, tokenizer, records, layers: 3, mode: 'global', maxPairCosine: 1 });
    expect(global.knn).toBeUndefined();
    expect(global.manifest.alignez!.pairs.kept).toBe(records.length);
    const prompt = tokenizer.encode(TINY_QUERIES[1].query);
    const hooks = createEditHooks(global);
    expect(await greedy(hooks, prompt)).not.toEqual(await greedy(undefined, prompt));
    hooks.dispose();

    const queries = [TINY_QUERIES[1].query, TINY_QUERIES[5].query];
    const batched = embedQueries(model, tokenizer, edits, queries);
    const single = queries.map((q) => embedQueries(model, tokenizer, edits, [q])[0]);
    batched.forEach((row, i) => row.forEach((v, j) => v.forEach((x, d) => expect(x).toBeCloseTo(single[i][j][d], 4))));
    const rows = createEditHooks(edits, { queryEmbeddings: batched });
    expect(rows.neighbours).toHaveLength(2);
    const ids = queries.map((q) => tokenizer.encode(q));
    const decoder = createModelDecoder(model, { hooks: rows });
    const result = await generate(decoder, ids, { maxNewTokens: 4, temperature: 0 });
    expect(result.sequences).toHaveLength(2);
    decoder.dispose();
    rows.dispose();
  });
});

describe('preference data files', () => {
  it('resumes an interrupted run to the same records as an uninterrupted one, repairing a torn line', async () => {
    const full = join(dir, 'full.jsonl');
    const part = join(dir, 'part.jsonl');
    await generatePreferenceData({ model, tokenizer, queries: TINY_QUERIES, out: full, ...SHORT });
    const stop = new AbortController();
    const first = await generatePreferenceData({
      model,
      tokenizer,
      queries: TINY_QUERIES,
      out: part,
      ...SHORT,
      signal: stop.signal,
      onProgress: (done) => done >= 3 && stop.abort(),
    });
    expect(first.generated).toBe(3);
    appendFileSync(part, '{"id":"q3","query":"Expl'); // killed mid-write
    expect(() => readPreferenceData(part)).toThrow(/incomplete/);
    const second = await generatePreferenceData({ model, tokenizer, queries: TINY_QUERIES, out: part, ...SHORT });
    expect(second.resumed).toBe(3);
    expect(second.generated).toBe(TINY_QUERIES.length - 3);
    expect(readPreferenceData(part).records).toEqual(readPreferenceData(full).records);
  });

  it('refuses to resume with other settings, and names the differing field', async () => {
    const file = join(dir, 'full.jsonl');
    await expect(generatePreferenceData({ model, tokenizer, queries: TINY_QUERIES, out: file, ...SHORT, seed: 5 })).rejects.toThrow(/settings\.seed/);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, `${readFileSync(file, 'utf8').split('\n')[0]}\n{"id":"x","query":1}\n`);
    expect(() => readPreferenceData(bad)).toThrow(/bad\.jsonl:2: field "query" must be a string/);
  });
});
