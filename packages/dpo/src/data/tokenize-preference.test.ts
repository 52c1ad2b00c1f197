import { Tokenizer } from '@aligndial/core';
import { createSyntheticTokenizerJson } from '@aligndial/core/testing';
import { describe, expect, it } from 'vitest';
import { collatePreferenceBatch } from './collate.js';
import type { PreferenceExample } from './preference-example.js';
import { tokenizePreference, tokenizePreferences, truncatePreference } from './tokenize-preference.js';

const synthetic = createSyntheticTokenizerJson(400);
const chatTok = Tokenizer.fromJSON(synthetic.tokenizerJson, synthetic.tokenizerConfig);
const { chat_template: _template, ...plainConfig } = synthetic.tokenizerConfig as Record<string, unknown>;
const plainTok = Tokenizer.fromJSON(synthetic.tokenizerJson, plainConfig);
const BOS = 1;
const EOS = 2;

const conversational: PreferenceExample = {
  prompt: [{ role: 'user', content: 'What is two plus two?' }],
  chosen: [{ role: 'assistant', content: 'Four.' }],
  rejected: [{ role: 'assistant', content: 'Five, I think.' }],
  source: 'test:1',
};

const count = (ids: number[], id: number) => ids.filter((x) => x === id).length;

describe('tokenizePreference', () => {
  it('renders messages with the chat template: one BOS, generation prompt in the prompt, EOS-closed completions', () => {
    const pair = tokenizePreference(conversational, chatTok);
    expect(pair.promptIds[0]).toBe(BOS);
    expect(count([...pair.promptIds, ...pair.chosenIds], BOS)).toBe(1);
    expect(pair.promptIds).toEqual(chatTok.encodeChat(conversational.prompt as never, { addGenerationPrompt: true }));
    expect(chatTok.decode(pair.promptIds).endsWith('<|assistant|>\n')).toBe(true);
    expect(chatTok.decode(pair.chosenIds)).toBe('Four.</s>');
    expect(pair.chosenIds.at(-1)).toBe(EOS);
    expect(count(pair.chosenIds, EOS)).toBe(1);
    // The prompt + completion ids are exactly the tokens of the whole rendered conversation.
    const full = chatTok.encodeChat([...(conversational.prompt as never[]), ...(conversational.chosen as never[])]);
    expect([...pair.promptIds, ...pair.chosenIds]).toEqual(full);
  });

  it('falls back to the plain chat format without a template, adding BOS once and EOS', () => {
    const pair = tokenizePreference(conversational, plainTok);
    expect(plainTok.decode(pair.promptIds)).toBe('<s> User: What is two plus two?\nAssistant:');
    expect(count(pair.promptIds, BOS)).toBe(1);
    expect(pair.rejectedIds.at(-1)).toBe(EOS);
    expect(plainTok.decode(pair.rejectedIds, { skipSpecialTokens: true })).toContain('Five, I think.');
  });

  it('concatenates plain strings (prompt with BOS, completion + EOS) and never doubles BOS', () => {
    const pair = tokenizePreference({ prompt: 'The sky is', chosen: ' blue', rejected: ' green', source: 's:1' }, chatTok);
    expect(pair.promptIds[0]).toBe(BOS);
    expect(pair.chosenIds.at(-1)).toBe(EOS);
    expect(chatTok.decode(pair.chosenIds, { skipSpecialTokens: true })).toBe('blue');
    // Completion tokens are those of the whole text after the prompt's (no extra "▁" from encoding it alone).
    expect([...pair.promptIds, ...pair.chosenIds.slice(0, -1)]).toEqual(chatTok.encode('The sky is blue'));
    const withBos = tokenizePreference({ prompt: '<s>The sky is', chosen: ' blue', rejected: ' green', source: 's:2' }, chatTok);
    expect(withBos.promptIds.slice(0, 2)).not.toEqual([BOS, BOS]);
    expect(count(withBos.promptIds, BOS)).toBe(1);
    const always = tokenizePreference({ prompt: 'The sky is', chosen: 'blue', rejected: 'green', source: 's:3' }, chatTok, { chatTemplate: 'always' });
    expect(always.promptIds).toEqual(chatTok.encodeChat([{ role: 'user', content: 'The sky is' }], { addGenerationPrompt: true }));
  });

  it('appendEos: false leaves completions without EOS (plain strings and the plain chat format)', () => {
    const pair = tokenizePreference({ prompt: 'The sky is', chosen: ' blue', rejected: ' green', source: 's:1' }, chatTok, { appendEos: false });
    expect(count([...pair.chosenIds, ...pair.rejectedIds], EOS)).toBe(0);
    expect([...pair.promptIds, ...pair.chosenIds]).toEqual(chatTok.encode('The sky is blue'));
    const plain = tokenizePreference(conversational, plainTok, { appendEos: false });
    expect(plain.rejectedIds.at(-1)).not.toBe(EOS);
    expect(tokenizePreference(conversational, plainTok).rejectedIds).toEqual([...plain.rejectedIds, EOS]);
  });

  it('truncates: keeps the end of the prompt (and its BOS), then cuts completions at their end', () => {
    const pair = { promptIds: [BOS, 10, 11, 12, 13, 14, 15, 16], chosenIds: [20, 21, 22], rejectedIds: [30, 31, 32, 33, 34, 35], source: 't' };
    // Fits: untouched.
    expect(truncatePreference(pair, { maxLength: 14, bosTokenId: BOS }).truncated).toBe(false);
    // 8 + 6 > 10: the prompt keeps max(10 − 6, min(8, 5)) = 5 tokens → BOS + last 4; completions get 5.
    const cut = truncatePreference(pair, { maxLength: 10, bosTokenId: BOS }).pair;
    expect(cut.promptIds).toEqual([BOS, 13, 14, 15, 16]);
    expect(cut.chosenIds).toEqual([20, 21, 22]);
    expect(cut.rejectedIds).toEqual([30, 31, 32, 33, 34]);
    // A short completion lets the prompt keep more than its budget.
    const short = truncatePreference({ ...pair, rejectedIds: [30] }, { maxLength: 9, bosTokenId: BOS }).pair;
    // 8 + 3 > 9: the prompt keeps max(9 − 3, min(8, 5)) = 6 tokens; the completions fit in the other 3.
    expect(short.promptIds).toEqual([BOS, 12, 13, 14, 15, 16]);
    expect(short.chosenIds).toEqual([20, 21, 22]);
    // maxPromptLength caps the prompt even when the pair fits.
    expect(truncatePreference(pair, { maxPromptLength: 3, bosTokenId: BOS }).pair.promptIds).toEqual([BOS, 15, 16]);
  });

  it('cuts text by characters before tokenizing: a 32 MB answer costs what maxLength can use, same tokens', () => {
    const long = 'word '.repeat(2000);
    const example: PreferenceExample = { prompt: `Question ${long}end?`, chosen: `Yes ${long}`, rejected: `No ${long}`, source: 't:1' };
    const full = tokenizePreference(example, plainTok, { maxLength: 64, maxChars: Infinity });
    const cut = tokenizePreference(example, plainTok, { maxLength: 64 });
    expect(cut).toEqual(full);
    const huge: PreferenceExample = { prompt: 'x'.repeat(4_000_000), chosen: 'y'.repeat(32_000_000), rejected: 'n', source: 't:2' };
    const encoded: number[] = [];
    const spy = { ...plainTok, encode: (text: string, o?: object) => (encoded.push(text.length), plainTok.encode(text, o)) };
    Object.setPrototypeOf(spy, Object.getPrototypeOf(plainTok));
    const pair = tokenizePreference(huge, spy as typeof plainTok, { maxLength: 64 });
    expect(pair.promptIds.length + pair.chosenIds.length).toBeLessThanOrEqual(64);
    // Work is bounded by maxLength, not by the 36 M characters of input.
    expect(Math.max(...encoded)).toBeLessThanOrEqual(2 * plainTok.charBudget(64) + 10);
    const counted = tokenizePreferences([huge], plainTok, { maxLength: 64 });
    expect(counted.truncated).toBe(1);
  });

  it('names the row when a part tokenizes to nothing, and skips it with skipInvalid', () => {
    const bad: PreferenceExample = { prompt: 'x', chosen: '', rejected: 'y', source: 'bad.jsonl:4' };
    const noEos = Tokenizer.fromJSON(synthetic.tokenizerJson, { ...plainConfig, eos_token: undefined });
    expect(() => tokenizePreference(bad, noEos)).toThrow('bad.jsonl:4: "chosen" tokenizes to no tokens');
    const out = tokenizePreferences([bad, conversational], noEos, { skipInvalid: true, maxLength: 8 });
    expect(out.pairs).toHaveLength(1);
    expect(out.skipped).toEqual([{ source: 'bad.jsonl:4', reason: '"chosen" tokenizes to no tokens' }]);
    expect(out.truncated).toBe(1);
    expect(out.pairs[0].promptIds.length + Math.max(out.pairs[0].chosenIds.length, out.pairs[0].rejectedIds.length)).toBeLessThanOrEqual(8);
  });
});

describe('collatePreferenceBatch', () => {
  it('pads chosen rows then rejected rows with masks over completion tokens only', () => {
    const batch = collatePreferenceBatch(
      [
        { promptIds: [1, 5], chosenIds: [7, 2], rejectedIds: [8, 9, 2], source: 'a' },
        { promptIds: [1, 5, 6], chosenIds: [7], rejectedIds: [2], source: 'b' },
      ],
      0,
    );
    expect(batch.size).toBe(2);
    expect(batch.sequences.inputIds).toEqual([
      [1, 5, 7, 2, 0],
      [1, 5, 6, 7, 0],
      [1, 5, 8, 9, 2],
      [1, 5, 6, 2, 0],
    ]);
    expect(batch.sequences.attentionMask[0]).toEqual([1, 1, 1, 1, 0]);
    expect(batch.sequences.completionMask).toEqual([
      [0, 0, 1, 1, 0],
      [0, 0, 0, 1, 0],
      [0, 0, 1, 1, 1],
      [0, 0, 0, 1, 0],
    ]);
    expect(batch.chosenLengths).toEqual([2, 1]);
    expect(batch.rejectedLengths).toEqual([3, 1]);
    expect(batch.tokens).toBe(4 + 4 + 5 + 4);
  });
});
