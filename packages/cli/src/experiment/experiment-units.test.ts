import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer, createModelDecoder, initBackend } from '@aligndial/core';
import { configForShape, createRandomModel, createSyntheticTokenizerJson } from '@aligndial/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { distinctN } from './fluency.js';
import { parseMethod, parseMethods } from './methods.js';
import { meanSe, pairedDifference } from './paired-stats.js';
import { buildRewardPairs } from './preference-pairs.js';
import { loadReward } from './reward-function.js';
import { sampleRows, sampleWithSeeds } from './seeded-sampling.js';
import { lexiconReward } from './sentiment-lexicon.js';
import { splitPrompts, storyOpenings } from './story-prompts.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('experiment building blocks', () => {
  it('lexicon reward: whole words, case-insensitive, positive minus negative', () => {
    expect(lexiconReward('Lily was Happy. She smiled and hugged her friend.')).toBe(4);
    expect(lexiconReward('Tom was sad and scared; he cried.')).toBe(-3);
    expect(lexiconReward('unhappyish madness')).toBe(0); // no whole-word match
  });

  it('--reward module: default export or named reward; bad modules and values are clear errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reward-'));
    writeFileSync(join(dir, 'a.mjs'), 'export default (text) => text.length;');
    writeFileSync(join(dir, 'b.mjs'), 'export const reward = (text, prompt) => prompt.length;');
    writeFileSync(join(dir, 'c.mjs'), 'export const x = 1;');
    expect(await (await loadReward(join(dir, 'a.mjs'))).score('abc', '')).toBe(3);
    expect(await (await loadReward(join(dir, 'b.mjs'))).score('abc', 'xy')).toBe(2);
    await expect(loadReward(join(dir, 'c.mjs'))).rejects.toThrow(/exports no function/);
    await expect(loadReward(join(dir, 'missing.js'))).rejects.toThrow(/file not found/);
    expect((await loadReward('lexicon')).name).toBe('lexicon');
  });

  it('methods: clm, clm:N, all, bottom:K, top:K, alignez; unknown and duplicate names are errors', () => {
    expect(parseMethods(['clm,clm:3', 'all', 'bottom:1,top:2', 'alignez']).map((m) => m.name)).toEqual(['clm', 'clm:3', 'all', 'bottom:1', 'top:2', 'alignez']);
    expect(parseMethod('clm:3')).toEqual({ kind: 'clm', name: 'clm:3', layers: 3 });
    expect(() => parseMethod('lora')).toThrow(/unknown method "lora"/);
    expect(() => parseMethods(['clm', 'clm'])).toThrow(/listed twice/);
  });

  it('paired difference by prompt: prompt means differenced, then mean ± s.e. over prompts', () => {
    // Two prompts × two samples; a − b per prompt = 1 and 3.
    const d = pairedDifference([2, 2, 5, 5], [1, 1, 2, 2], [0, 0, 1, 1]);
    expect(d.mean).toBe(2);
    expect(d.se).toBeCloseTo(1, 10); // s.d. √2 over √2 prompts
    expect(meanSe([1, Number.NaN, 3])).toMatchObject({ mean: 2, n: 2 });
  });

  it('pairs: best vs worst sample per prompt; prompts whose samples all tie give none', () => {
    const s = (prompt: number, seed: number) => ({ prompt, seed, ids: [seed], text: `t${seed}` });
    const pairs = buildRewardPairs([s(0, 1), s(0, 2), s(0, 3), s(1, 4), s(1, 5)], [0, 2, -1, 1, 1], ['p0', 'p1']);
    expect(pairs).toHaveLength(1);
    expect(pairs[0]).toMatchObject({ prompt: 0, chosen: { seed: 2, reward: 2 }, rejected: { seed: 3, reward: -1 } });
  });

  it('distinct-n and the prompt split', () => {
    expect(distinctN(['a b a b'], 1)).toBe(0.5);
    expect(distinctN(['a b a b'], 2)).toBeCloseTo(2 / 3, 10);
    const all = storyOpenings();
    expect(new Set(all).size).toBe(144);
    const split = splitPrompts(all, 30, 0);
    expect(split.eval).toHaveLength(30);
    expect(split.eval.some((p) => split.train.includes(p))).toBe(false);
    expect(splitPrompts(all, 30, 0)).toEqual(split);
  });

  it('seeded sampling: a row depends only on its seed, not on batching or the other rows', async () => {
    const model = createRandomModel(configForShape('tiny', { vocabSize: 300 }), { seed: 1, initStd: 0.3 });
    const { tokenizerJson, tokenizerConfig } = createSyntheticTokenizerJson(300);
    const tokenizer = Tokenizer.fromJSON(tokenizerJson, tokenizerConfig);
    const prompts = [[1, 5, 6], [1, 7], [1, 8, 9, 10]];
    const rows = sampleRows(3, 2, 100);
    expect(rows.map((r) => r.seed)).toEqual([100, 101, 102, 103, 104, 105]);
    const opts = { maxNewTokens: 6, temperature: 1 };
    const together = await sampleWithSeeds(() => createModelDecoder(model), tokenizer, prompts, rows, { ...opts, batchSize: 6 });
    const oneByOne = await sampleWithSeeds(() => createModelDecoder(model), tokenizer, prompts, rows, { ...opts, batchSize: 1 });
    const reversed = await sampleWithSeeds(() => createModelDecoder(model), tokenizer, prompts, [...rows].reverse(), { ...opts, batchSize: 4 });
    expect(oneByOne.map((s) => s.ids)).toEqual(together.map((s) => s.ids));
    expect([...reversed].reverse().map((s) => s.ids)).toEqual(together.map((s) => s.ids));
    expect(new Set(together.map((s) => s.ids.join(','))).size).toBeGreaterThan(1);
    model.dispose();
  });
});
