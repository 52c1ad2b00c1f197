import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer, createModelDecoder, generate, initBackend, loadModel } from '@aligndial/core';
import { describe, expect, it } from 'vitest';
import { defaultModelDir } from './default-model.js';
import { evalPrompts } from './world-data.js';
import { type AnswerKind, TASK_FAMILIES, classifyAnswer, promptsOfSplit } from './world.js';

const VALID: readonly AnswerKind[] = ['helpful', 'refusal', 'wrong', 'rude'];

describe('embedded default model', () => {
  it('is committed in the Hugging Face layout and at most 5 MB', () => {
    const dir = defaultModelDir();
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'README.md']) {
      expect(statSync(join(dir, f)).isFile()).toBe(true);
    }
    expect(statSync(join(dir, 'model.safetensors')).size).toBeLessThanOrEqual(5 * 1024 * 1024);
  });

  it('answers world prompts fluently with greedy decoding (a helpful or unhelpful style the judge recognises)', async () => {
    await initBackend();
    const dir = defaultModelDir();
    const model = loadModel(dir);
    const tokenizer = Tokenizer.fromDir(dir);
    // One training prompt per family, and held-out prompts of every family.
    const train = TASK_FAMILIES.map((f) => promptsOfSplit('train').find((p) => p.family === f)!);
    const held = evalPrompts(14);
    const prompts = [...train, ...held];
    const decoder = createModelDecoder(model);
    try {
      const ids = prompts.map((p) => tokenizer.encodeChat([{ role: 'user', content: p.text }], { addGenerationPrompt: true }));
      const result = await generate(decoder, ids, { maxNewTokens: 40, temperature: 0, eosTokenIds: tokenizer.eosTokenIds, tokenizer });
      const kinds = result.sequences.map((s, i) => classifyAnswer(prompts[i], s.text ?? ''));
      const shown = prompts.map((p, i) => `${p.text} → ${result.sequences[i].text} [${kinds[i]}]`).join('\n');
      expect(result.sequences.every((s) => s.finishReason === 'eos'), shown).toBe(true);
      expect(kinds.slice(0, train.length).every((k) => VALID.includes(k)), shown).toBe(true);
      expect(kinds.slice(train.length).filter((k) => VALID.includes(k)).length, shown).toBeGreaterThanOrEqual(12);
      // Both kinds of behaviour are there to align.
      expect(kinds.includes('helpful'), shown).toBe(true);
      expect(kinds.some((k) => k !== 'helpful'), shown).toBe(true);
    } finally {
      decoder.dispose();
      model.dispose();
    }
  });
});
