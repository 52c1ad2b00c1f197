import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AligndialError } from '../errors.js';
import { createSyntheticTokenizerJson } from './synthetic-tokenizer.js';
import { Tokenizer } from './tokenizer.js';

const STORIES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../shared/models/stories260K');
const HAS_STORIES = existsSync(join(STORIES_DIR, 'tokenizer.json'));
if (!HAS_STORIES) console.warn(`Skipping stories260K tokenizer tests: ${STORIES_DIR}/tokenizer.json not found`);

/** The model's reference greedy continuation of BOS (reference.json), first 16 ids. */
const GREEDY_IDS = [403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338];
const ROUND_TRIP_TEXTS = [
  'Once upon a time, there was a little girl named Lily.',
  'Line one\nline two\n\n  indented\ttab\r\nwindows line',
  ' leading space, trailing space ',
  'double  spaces   and punctuation . , ! ? " \' ;:',
  'emoji 🙂👍🏽 and family 👨‍👩‍👧',
  '中文字符和日本語のテキスト',
  'naïve café — “quotes” ½ €',
  '',
];

describe.skipIf(!HAS_STORIES)('Tokenizer on stories260K (Llama-2 style SentencePiece BPE)', () => {
  const tok = HAS_STORIES ? Tokenizer.fromDir(STORIES_DIR) : (undefined as unknown as Tokenizer);

  it('reads the special tokens and sizes', () => {
    expect(tok.vocabSize).toBe(512);
    expect(tok.bosTokenId).toBe(1);
    expect(tok.eosTokenId).toBe(2);
    expect(tok.eosTokenIds).toEqual([2]);
    expect(tok.padTokenId).toBe(2); // no pad_token: falls back to EOS
    expect(tok.unkTokenId).toBe(0);
    expect([...tok.specialTokenIds].sort()).toEqual([0, 1, 2]);
    expect(tok.tokenToId('▁Once')).toBe(403);
    expect(tok.idToToken(403)).toBe('▁Once');
    expect(tok.idToToken(100_000)).toBeUndefined();
    expect(tok.hasChatTemplate).toBe(false);
  });

  it('encodes with one BOS, as the reference model saw it', () => {
    const ids = tok.encode('Once upon a time, there was a little girl named Lily.');
    expect(ids).toEqual([1, ...GREEDY_IDS.slice(0, 15)]);
    expect(ids.filter((id) => id === 1)).toHaveLength(1);
    expect(tok.encode('Once upon a time', { addSpecialTokens: false })).toEqual([403, 407, 261, 378]);
    expect(tok.encode('')).toEqual([1]);
  });

  it('decodes the reference greedy output', () => {
    expect(tok.decode(GREEDY_IDS)).toBe('Once upon a time, there was a little girl named Lily. She');
    const reference = JSON.parse(readFileSync(join(STORIES_DIR, 'reference.json'), 'utf8'));
    expect(tok.decode(reference.greedy_from_bos.generated_ids)).toBe(
      'Once upon a time, there was a little girl named Lily. She loved to play outside in the park. ' +
        'One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily',
    );
  });

  it('round-trips text, including byte-fallback characters', () => {
    for (const text of ROUND_TRIP_TEXTS) {
      expect(tok.decode(tok.encode(text), { skipSpecialTokens: true })).toBe(text);
    }
    // Emoji and CJK are not in this 512-token vocabulary: they go through <0xNN> tokens.
    const ids = tok.encode('🙂', { addSpecialTokens: false });
    expect(ids.map((id) => tok.idToToken(id))).toEqual(['▁', '<0xF0>', '<0x9F>', '<0x99>', '<0x82>']);
  });

  it('decodes special tokens the way transformers does', () => {
    expect(tok.decode([1, 403, 407])).toBe('<s> Once upon');
    expect(tok.decode([1, 403, 407, 2], { skipSpecialTokens: true })).toBe('Once upon');
    expect(tok.decode([])).toBe('');
    expect(tok.decode([1], { skipSpecialTokens: true })).toBe('');
    // Ids beyond the vocabulary (padded embedding rows) are skipped.
    expect(tok.decode([403, 600, 407])).toBe('Once upon');
    expect(() => tok.decode([403, -1])).toThrow(AligndialError);
    expect(() => tok.decode([1.5])).toThrow(AligndialError);
  });

  it('keeps " ." and " n\'t" unless clean-up is asked for', () => {
    const ids = tok.encode('a . b', { addSpecialTokens: false });
    expect(tok.decode(ids)).toBe('a . b');
    expect(tok.decode(ids, { cleanUpTokenizationSpaces: true })).toBe('a. b');
  });

  it('turns special-token text into the special id, like transformers', () => {
    expect(tok.encode('Hi</s>', { addSpecialTokens: false }).at(-1)).toBe(2);
  });
});

describe('Tokenizer special-token semantics', () => {
  const { tokenizerJson, tokenizerConfig } = createSyntheticTokenizerJson(300);

  it('follows add_bos_token / add_eos_token from tokenizer_config.json', () => {
    const eos = Tokenizer.fromJSON(tokenizerJson, { ...tokenizerConfig, add_eos_token: true });
    expect(eos.encode('a').at(0)).toBe(1);
    expect(eos.encode('a').at(-1)).toBe(2);
    const noBos = Tokenizer.fromJSON(tokenizerJson, { ...tokenizerConfig, add_bos_token: false });
    expect(noBos.encode('a')).toEqual(noBos.encode('a', { addSpecialTokens: false }));
  });

  it('falls back to the post-processor when the config sets no flags', () => {
    const { add_bos_token: _b, add_eos_token: _e, ...bare } = tokenizerConfig;
    const tok = Tokenizer.fromJSON(tokenizerJson, bare);
    expect(tok.encode('a')).toEqual([1, ...tok.encode('a', { addSpecialTokens: false })]);
    // Without tokenizer_config.json there are no named special tokens, but the post-processor still adds <s>.
    const bareTok = Tokenizer.fromJSON(tokenizerJson);
    expect(bareTok.encode('a')[0]).toBe(1);
    expect(bareTok.bosTokenId).toBeUndefined();
    expect(bareTok.padTokenId).toBeUndefined();
  });

  it('reads several EOS ids from generation_config', () => {
    const tok = Tokenizer.fromJSON(tokenizerJson, tokenizerConfig, { generationConfig: { eos_token_id: [2, 7] } });
    expect(tok.eosTokenId).toBe(2);
    expect(tok.eosTokenIds).toEqual([2, 7]);
    const noEosInConfig = Tokenizer.fromJSON(tokenizerJson, { ...tokenizerConfig, eos_token: undefined }, {
      generationConfig: { eos_token_id: 2 },
    });
    expect(noEosInConfig.eosTokenId).toBe(2);
    expect(noEosInConfig.padTokenId).toBe(2);
  });

  it('accepts special tokens stored as AddedToken objects', () => {
    const tok = Tokenizer.fromJSON(tokenizerJson, {
      ...tokenizerConfig,
      bos_token: { __type: 'AddedToken', content: '<s>', special: true },
      pad_token: '<unk>',
    });
    expect(tok.bosTokenId).toBe(1);
    expect(tok.padTokenId).toBe(0);
  });

  it('reports bad input as AligndialError naming the field', () => {
    expect(() => Tokenizer.fromJSON(tokenizerJson, { ...tokenizerConfig, bos_token: '<nope>' })).toThrow(
      /bos_token "<nope>" is not in the vocabulary/,
    );
    expect(() => Tokenizer.fromJSON(tokenizerJson, { ...tokenizerConfig, add_bos_token: 'yes' })).toThrow(/add_bos_token/);
    expect(() => Tokenizer.fromJSON({ nomodel: true })).toThrow(/"model"/);
    expect(() => Tokenizer.fromJSON(tokenizerJson).encode(42 as unknown as string)).toThrow(AligndialError);
  });
});

describe('Tokenizer.fromDir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aligndial-tok-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const { tokenizerJson, tokenizerConfig } = createSyntheticTokenizerJson(300);

  it('explains a missing directory or tokenizer.json', () => {
    expect(() => Tokenizer.fromDir(join(dir, 'absent'))).toThrow(/Tokenizer directory not found/);
    expect(() => Tokenizer.fromDir(dir)).toThrow(/No tokenizer.json/);
  });

  it('names a file that is not JSON', () => {
    writeFileSync(join(dir, 'tokenizer.json'), '{ not json');
    expect(() => Tokenizer.fromDir(dir)).toThrow(/tokenizer\.json:1:3: invalid JSON in tokenizer file/);
  });

  it('reads chat_template.jinja and generation_config.json beside the config', () => {
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig));
    writeFileSync(join(dir, 'chat_template.jinja'), '{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}');
    writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: [2, 5] }));
    const tok = Tokenizer.fromDir(dir);
    expect(tok.applyChatTemplate([{ role: 'user', content: 'hi' }])).toBe('[user]hi');
    expect(tok.eosTokenIds).toEqual([2, 5]);
  });
});
