// AlignEZ edits composed with a CLM model at any λ (edits from @aligndial/alignez, CLM from @aligndial/clm).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEditHooksForQueries, fitAlignEz, generatePreferenceData, loadEdits, readPreferenceData, saveEdits } from '@aligndial/alignez';
import { createClmDecoder, expandModel } from '@aligndial/clm';
import { Rng, type StepDecoder, Tokenizer, createModelDecoder, generate, initBackend, modelFingerprint, tf } from '@aligndial/core';
import { configForShape, createRandomModel, createSyntheticTokenizerJson } from '@aligndial/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';

const QUERIES = ['How do I bake bread?', 'Tell me a story.', 'Why is the sky blue?', 'Name three fruits.', 'How do magnets work?', 'Write a haiku.'].map((query, i) => ({ id: `q${i}`, query }));

describe('AlignEZ edits on a CLM model', () => {
  let tokenizer: Tokenizer;
  let editsDir: string;
  beforeAll(async () => {
    await initBackend('wasm');
    const { tokenizerJson, tokenizerConfig } = createSyntheticTokenizerJson(300);
    tokenizer = Tokenizer.fromJSON(tokenizerJson, tokenizerConfig);
    const base = createRandomModel(configForShape('tiny', { numLayers: 4 }), { seed: 5, initStd: 0.3 });
    const dir = mkdtempSync(join(tmpdir(), 'alignez-clm-'));
    await generatePreferenceData({ model: base, tokenizer, queries: QUERIES, out: join(dir, 'd.jsonl'), traits: { maxNewTokens: 5, temperature: 1 }, answers: { maxNewTokens: 8, temperature: 1 } });
    const edits = fitAlignEz({ model: base, tokenizer, records: readPreferenceData(join(dir, 'd.jsonl')).records, layers: 2, k: 3, maxPairCosine: 1 });
    editsDir = join(dir, 'edits');
    saveEdits(editsDir, edits);
    base.dispose();
  });

  it('apply through createClmDecoder hooks at λ = 0, 0.5, 1; at λ = 0 they equal the edited base model', async () => {
    const base = createRandomModel(configForShape('tiny', { numLayers: 4 }), { seed: 5, initStd: 0.3 });
    const baseFingerprint = modelFingerprint(base).fingerprint;
    const clm = expandModel(base);
    const rng = new Rng(11);
    for (const v of clm.addedParameters().values()) {
      const noise = Float32Array.from({ length: v.size }, () => rng.normal() * 0.3);
      tf.tidy(() => v.assign(tf.add(v, tf.tensor(noise, v.shape))));
    }
    // The base weights are unchanged, so the CLM (and its reference view) have the base's fingerprint.
    expect(modelFingerprint(clm.model).fingerprint).toBe(baseFingerprint);
    const edits = loadEdits(editsDir, clm.reference);
    const query = QUERIES[0].query;
    const prompt = tokenizer.encode(query);
    const hooks = createEditHooksForQueries(clm.reference, tokenizer, edits, { queries: [query], strength: 1.5 });
    const run = async (decoder: StepDecoder) => {
      try {
        return (await generate(decoder, [prompt, tokenizer.encode(QUERIES[2].query)], { maxNewTokens: 10, temperature: 0 })).sequences.map((s) => s.ids);
      } finally {
        decoder.dispose();
      }
    };
    for (const lambda of [0, 0.5, 1]) {
      const plain = await run(createClmDecoder(clm, { lambda }));
      const edited = await run(createClmDecoder(clm, { lambda, hooks }));
      expect(edited, `λ = ${lambda}`).not.toEqual(plain);
    }
    expect(await run(createClmDecoder(clm, { lambda: 0, hooks }))).toEqual(await run(createModelDecoder(clm.reference, { hooks })));
    // Per-row k-NN directions (two queries) survive the doubled batch of a mixed-λ pass.
    const rows = createEditHooksForQueries(clm.reference, tokenizer, edits, { queries: [query, QUERIES[2].query] });
    expect((await run(createClmDecoder(clm, { lambda: 0.5, hooks: rows }))).length).toBe(2);
    rows.dispose();
    hooks.dispose();
    clm.dispose();
  });
});
