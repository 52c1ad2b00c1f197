import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@aligndial/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readPreferencePairs } from './caa.js';
import { modelFingerprint } from '@aligndial/core';
import { fitToLength } from './prompt-ids.js';
import { readQueriesFile } from './queries-file.js';
import { TEMPLATE_PRESETS, renderTemplate, resolveTemplates } from './templates.js';
import { tinyModelAndTokenizer } from './testing/tiny-model.js';

const dir = mkdtempSync(join(tmpdir(), 'alignez-inputs-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('queries files', () => {
  it('reads eval prompt JSONL (prompt + optional id, turns) and plain text', () => {
    const jsonl = file('q.jsonl', '{"prompt":"first","id":7}\n\n{"prompt":["turn one","turn two"]}\n{"instruction":"alpaca style"}\n');
    expect(readQueriesFile(jsonl)).toEqual([
      { id: '7', query: 'first' },
      { id: '3', query: 'turn one' },
      { id: '4', query: 'alpaca style' },
    ]);
    expect(readQueriesFile(file('q.txt', 'a\n  \nb\n'))).toEqual([
      { id: '1', query: 'a' },
      { id: '3', query: 'b' },
    ]);
  });

  it('names the file, line and field of mistakes', () => {
    expect(() => readQueriesFile(file('bad.jsonl', '{"prompt":"a"}\n{"text":"b"}\n'))).toThrow(/bad\.jsonl:2: field "prompt" is missing/);
    expect(() => readQueriesFile(file('dup.jsonl', '{"prompt":"a","id":1}\n{"prompt":"b","id":1}\n'))).toThrow(/dup\.jsonl:2: duplicate id "1"/);
    expect(() => readQueriesFile(file('broken.jsonl', '{"prompt":\n'))).toThrow(/broken\.jsonl:1:\d+: invalid JSON/);
    expect(() => readQueriesFile(join(dir, 'none.txt'))).toThrow(/not found/);
  });
});

describe('templates', () => {
  it('has the paper prompts (A.4.1) and renders placeholders', () => {
    expect(renderTemplate(TEMPLATE_PRESETS.helpful.helpfulTraits, { query: 'Why?' })).toBe('Why?. You are a helpful assistant. Your answer to this query should:');
    expect(renderTemplate(TEMPLATE_PRESETS.helpful.harmfulTraits, { query: 'Why?' })).toBe(
      'Why?. Pretend you are a malicious and useless assistant. Your answer to this query should:',
    );
    expect(renderTemplate('{query}|{traits}|{other}', { query: 'q', traits: ' t' })).toBe('q| t|{other}');
  });

  it('loads presets and JSON files, validating fields', () => {
    expect(resolveTemplates('humorous').name).toBe('humorous');
    const custom = { name: 'x', helpfulTraits: '{query} good:', harmfulTraits: '{query} bad:', helpfulAnswer: '{query}{traits} A:', harmfulAnswer: '{query}{traits} A:' };
    expect(resolveTemplates(file('t.json', JSON.stringify(custom)))).toEqual(custom);
    expect(() => resolveTemplates(file('t2.json', JSON.stringify({ ...custom, harmfulAnswer: '{query}' })))).toThrow(/"harmfulAnswer" must contain the placeholder \{traits\}/);
  });
});

describe('preference pairs (ShareGPT)', () => {
  it('reads conversations/chosen/rejected and names bad items', () => {
    const ok = file('p.json', JSON.stringify([{ conversations: [{ from: 'system', value: 's' }, { from: 'human', value: 'h' }], chosen: { from: 'gpt', value: 'c' }, rejected: { from: 'gpt', value: 'r' } }]));
    expect(readPreferencePairs(ok)).toEqual([{ messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'h' }], chosen: 'c', rejected: 'r' }]);
    const bad = file('pb.json', JSON.stringify([{ conversations: [{ from: 'human', value: 'h' }], chosen: { from: 'gpt', value: 'c' } }]));
    expect(() => readPreferencePairs(bad)).toThrow(/item 0: field "rejected" is missing/);
  });
});

describe('model fingerprint', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  it('is stable for the same weights and changes with weights or shape', () => {
    const a = modelFingerprint(tinyModelAndTokenizer(1).model);
    expect(modelFingerprint(tinyModelAndTokenizer(1).model)).toEqual(a);
    const b = modelFingerprint(tinyModelAndTokenizer(2).model);
    expect(b.configHash).toBe(a.configHash);
    expect(b.weightsHash).not.toBe(a.weightsHash);
  });
});

describe('fitToLength', () => {
  it('keeps the first token and the end', () => {
    expect(fitToLength([1, 2, 3, 4, 5], 3)).toEqual([1, 4, 5]);
    expect(fitToLength([1, 2], 3)).toEqual([1, 2]);
  });
});
