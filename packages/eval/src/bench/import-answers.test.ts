import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/shared-data.js';
import type { BenchItem } from './bench-item.js';
import { importAnswers } from './import-answers.js';

describe('importAnswers', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);
  const items: BenchItem[] = [
    { id: 'u1', prompt: 'first' },
    { id: 'u2', prompt: 'second' },
  ];
  const write = (name: string, rows: object[]) => {
    const f = join(tmp.dir, name);
    writeFileSync(f, rows.map((r) => JSON.stringify(r)).join('\n'));
    return f;
  };

  it("reads arena-hard-auto's v0.1 and v2 answer files, in the benchmark's order", () => {
    const v01 = write('v01.jsonl', [
      { question_id: 'u2', model_id: 'gpt-4-0314', choices: [{ index: 0, turns: [{ content: 'B', token_len: 1 }] }] },
      { question_id: 'u1', model_id: 'gpt-4-0314', choices: [{ index: 0, turns: [{ content: 'A', token_len: 1 }] }] },
    ]);
    const out = join(tmp.dir, 'out.jsonl');
    expect(importAnswers(v01, items, out)).toBe(2);
    expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { id: 'u1', prompt: 'first', output: 'A' },
      { id: 'u2', prompt: 'second', output: 'B' },
    ]);
    const v2 = write('v2.jsonl', [
      { uid: 'u1', messages: [{ role: 'user', content: 'first' }, { role: 'assistant', content: { answer: 'A2' } }] },
      { uid: 'u2', messages: [{ role: 'user', content: 'second' }, { role: 'assistant', content: { answer: 'B2' } }] },
    ]);
    importAnswers(v2, items, out);
    expect(readFileSync(out, 'utf8')).toContain('"output":"A2"');
  });

  it('names the line of an unknown id and counts prompts without an answer', () => {
    const out = join(tmp.dir, 'x.jsonl');
    expect(() => importAnswers(write('bad.jsonl', [{ uid: 'zz', output: 'x' }]), items, out)).toThrow(/bad\.jsonl line 1: id "zz" is not a prompt/);
    expect(() => importAnswers(write('part.jsonl', [{ uid: 'u1', output: 'x' }]), items, out)).toThrow(/1 prompt\(s\) have no answer, e\.g\. id "u2"/);
  });
});
