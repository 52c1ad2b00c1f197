import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DIR } from '../../../core/src/testing/shared-paths.js';
import { rowToPreferenceExample } from './preference-example.js';
import { jsonArrayElementLines, readPreferenceFile } from './read-preference-file.js';
import { existsSync } from 'node:fs';
import { writeUltraFeedbackParquet } from '../testing/write-tiny-parquet.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'dpo-data-'));

describe('rowToPreferenceExample', () => {
  it('maps TRL standard rows (strings)', () => {
    expect(rowToPreferenceExample({ prompt: 'Hi', chosen: ' yes', rejected: ' no' }, 'f:1')).toEqual({
      prompt: 'Hi',
      chosen: ' yes',
      rejected: ' no',
      source: 'f:1',
    });
  });

  it('maps TRL conversational rows and the implicit prompt', () => {
    const user = { role: 'user', content: 'Q' };
    const explicit = rowToPreferenceExample(
      { prompt: [user], chosen: [{ role: 'assistant', content: 'A' }], rejected: [{ role: 'assistant', content: 'B' }] },
      'f:2',
    );
    expect(explicit.prompt).toEqual([user]);
    expect(explicit.chosen).toEqual([{ role: 'assistant', content: 'A' }]);
    const implicit = rowToPreferenceExample(
      { chosen: [user, { role: 'assistant', content: 'A' }], rejected: [user, { role: 'assistant', content: 'B' }] },
      'f:3',
    );
    expect(implicit.prompt).toEqual([user]);
    expect(implicit.rejected).toEqual([{ role: 'assistant', content: 'B' }]);
  });

  it('maps UltraFeedback-binarized rows (prompt string, chosen/rejected repeat the user turn)', () => {
    const row = {
      prompt: 'Write a haiku',
      prompt_id: 'abc',
      chosen: [
        { content: 'Write a haiku', role: 'user' },
        { content: 'Leaves fall', role: 'assistant' },
      ],
      rejected: [
        { content: 'Write a haiku', role: 'user' },
        { content: 'No.', role: 'assistant' },
      ],
      score_chosen: 8,
      score_rejected: 2,
    };
    const ex = rowToPreferenceExample(row, 'uf.parquet: row 0');
    expect(ex.prompt).toEqual([{ role: 'user', content: 'Write a haiku' }]);
    expect(ex.chosen).toEqual([{ role: 'assistant', content: 'Leaves fall' }]);
    expect(ex.rejected).toEqual([{ role: 'assistant', content: 'No.' }]);
  });

  it('maps ShareGPT / LLaMA-Factory rows, with a system prompt', () => {
    const ex = rowToPreferenceExample(
      {
        system: 'Be brief.',
        conversations: [{ from: 'human', value: 'Hi' }],
        chosen: { from: 'gpt', value: 'Hello!' },
        rejected: { from: 'gpt', value: 'Go away.' },
      },
      'demo.json:2 (row 0)',
    );
    expect(ex.prompt).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ]);
    expect(ex.chosen).toEqual([{ role: 'assistant', content: 'Hello!' }]);
  });

  it('names the row and the field that is wrong', () => {
    expect(() => rowToPreferenceExample({ prompt: 'x', chosen: 'y' }, 'd.jsonl:7')).toThrow('d.jsonl:7: field "rejected" is missing');
    expect(() => rowToPreferenceExample({ prompt: 'x', chosen: 3, rejected: 'z' }, 'd.jsonl:8')).toThrow(/d.jsonl:8: field "chosen" must be a string/);
    expect(() => rowToPreferenceExample({ conversations: [{ from: 'alien', value: 'x' }], chosen: {}, rejected: {} }, 'd.json:4 (row 1)')).toThrow(
      /d.json:4 \(row 1\): field "conversations\[0\]" has role "alien"/,
    );
    expect(() => rowToPreferenceExample({ text: 'hello' }, 'd.jsonl:9')).toThrow(/d.jsonl:9: no preference fields .*found text/);
    expect(() =>
      rowToPreferenceExample({ conversations: [{ from: 'human', value: 'x' }], chosen: { from: 'human', value: 'y' }, rejected: { from: 'gpt', value: 'z' } }, 'r'),
    ).toThrow(/field "chosen" must start with an assistant turn/);
  });
});

describe('readPreferenceFile', () => {
  it('reads TRL JSONL; a bad row names file:line; --skip-invalid drops and counts it', async () => {
    const dir = tmp();
    const path = join(dir, 'prefs.jsonl');
    writeFileSync(
      path,
      [
        JSON.stringify({ prompt: 'a', chosen: 'b', rejected: 'c' }),
        '',
        JSON.stringify({ prompt: 'a', chosen: 'b' }),
        '{not json',
        JSON.stringify({ prompt: [{ role: 'user', content: 'q' }], chosen: [{ role: 'assistant', content: 'x' }], rejected: [{ role: 'assistant', content: 'y' }] }),
      ].join('\n'),
    );
    await expect(readPreferenceFile(path)).rejects.toThrow(`${path}:3: field "rejected" is missing`);
    const data = await readPreferenceFile(path, { skipInvalid: true });
    expect(data.examples).toHaveLength(2);
    expect(data.examples[1].source).toBe(`${path}:5`);
    expect(data.skipped.map((s) => s.source)).toEqual([`${path}:3`, `${path}:4`]);
    expect(data.skipped[1].reason).toMatch(/invalid JSON/);
    const limited = await readPreferenceFile(path, { skipInvalid: true, maxSamples: 1 });
    expect(limited.examples).toHaveLength(1);
  });

  it('reads a ShareGPT JSON array and names the line of a bad element', async () => {
    const dir = tmp();
    const path = join(dir, 'sharegpt.json');
    const good = { conversations: [{ from: 'human', value: 'Hi "there"\n[x]' }], chosen: { from: 'gpt', value: 'Hello' }, rejected: { from: 'gpt', value: '{no}' } };
    writeFileSync(path, JSON.stringify([good, { ...good, rejected: undefined }, good], null, 2));
    const lines = jsonArrayElementLines(JSON.stringify([good, good], null, 2));
    expect(lines[0]).toBe(2);
    await expect(readPreferenceFile(path)).rejects.toThrow(new RegExp(`sharegpt.json:${lines[1]} \\(row 1\\): field "rejected" is missing`));
    const data = await readPreferenceFile(path, { skipInvalid: true });
    expect(data.examples).toHaveLength(2);
    expect(data.skipped).toHaveLength(1);
  });

  it('rejects unknown extensions, missing files and files with no valid rows', async () => {
    const dir = tmp();
    await expect(readPreferenceFile(join(dir, 'x.jsonl'))).rejects.toThrow(/not found/);
    writeFileSync(join(dir, 'x.csv'), 'a,b');
    await expect(readPreferenceFile(join(dir, 'x.csv'))).rejects.toThrow(/extension ".csv"/);
    writeFileSync(join(dir, 'bad.jsonl'), '{"a":1}\n');
    await expect(readPreferenceFile(join(dir, 'bad.jsonl'), { skipInvalid: true })).rejects.toThrow(/no valid preference rows \(1 invalid rows skipped/);
  });

  it('invalid UTF-8 names file:line:column (and --skip-invalid drops just that row); JSON errors give line:column', async () => {
    const dir = tmp();
    const good = Buffer.from('{"prompt":"p","chosen":"a","rejected":"b"}\n');
    const bad = Buffer.concat([Buffer.from('{"prompt":"p","chosen":"a'), Buffer.from([0xff]), Buffer.from('","rejected":"b"}\n')]);
    writeFileSync(join(dir, 'u.jsonl'), Buffer.concat([good, bad, good]));
    await expect(readPreferenceFile(join(dir, 'u.jsonl'))).rejects.toThrow(/u\.jsonl:2:26: invalid UTF-8 \(byte 0xff/);
    const skipped = await readPreferenceFile(join(dir, 'u.jsonl'), { skipInvalid: true });
    expect(skipped.examples).toHaveLength(2);
    expect(skipped.skipped[0].source).toMatch(/u\.jsonl:2$/);
    writeFileSync(join(dir, 'u.json'), Buffer.concat([Buffer.from('[\n'), bad.subarray(0, bad.length - 1), Buffer.from(']')]));
    await expect(readPreferenceFile(join(dir, 'u.json'))).rejects.toThrow(/u\.json:2:26: invalid UTF-8/);
    writeFileSync(join(dir, 's.json'), '[\n  {"prompt": "p",\n   "chosen": }\n]');
    await expect(readPreferenceFile(join(dir, 's.json'))).rejects.toThrow(/s\.json:3:14: invalid JSON in preference data/);
    writeFileSync(join(dir, 's.jsonl'), `${good}{"prompt": }\n`);
    await expect(readPreferenceFile(join(dir, 's.jsonl'))).rejects.toThrow(/s\.jsonl:2:12: invalid JSON in preference row/);
  });

  it('one rule for empty answers in every format', async () => {
    const rows = [
      { prompt: 'p', chosen: ' ', rejected: 'b' },
      { prompt: [{ role: 'user', content: 'p' }], chosen: [{ role: 'assistant', content: '' }], rejected: [{ role: 'assistant', content: 'b' }] },
      { conversations: [{ from: 'human', value: 'p' }], chosen: { from: 'gpt', value: '\n' }, rejected: { from: 'gpt', value: 'b' } },
      { prompt: 'p', chosen: [{ role: 'user', content: 'p' }, { role: 'assistant', content: '' }], rejected: [{ role: 'user', content: 'p' }, { role: 'assistant', content: 'b' }] },
    ];
    for (const row of rows) expect(() => rowToPreferenceExample(row, 'f:1')).toThrow(/^f:1: field "chosen" is empty$/);
  });

  it('a directory or a FIFO in place of the data file is a clear error, not a hang', async () => {
    const dir = tmp();
    await expect(readPreferenceFile(dir + '/')).rejects.toThrow(/expected a preference data file, found a directory/);
    const fifo = join(dir, 'pipe.jsonl');
    if (spawnSync('mkfifo', [fifo]).status === 0) {
      await expect(readPreferenceFile(fifo)).rejects.toThrow(/pipe\.jsonl: expected a preference data file, found a named pipe/);
    }
  });

  it('a corrupt parquet file names the file without decoder internals', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'x.parquet'), Buffer.from('PAR1 this is not really parquet data PAR1'));
    const error = await readPreferenceFile(join(dir, 'x.parquet')).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/x\.parquet: cannot read the parquet file \(/);
    expect((error as Error).message).not.toMatch(/undefined|Cannot read properties/);
  });

  it('reads UltraFeedback-binarized parquet (list<struct<content, role>> columns) with hyparquet', async () => {
    const path = join(tmp(), 'uf.parquet');
    const turn = (role: string, content: string) => ({ content, role });
    writeUltraFeedbackParquet(path, [
      { prompt: 'Name a color', chosen: [turn('user', 'Name a color'), turn('assistant', 'Blue.')], rejected: [turn('user', 'Name a color'), turn('assistant', 'Seven')], score_chosen: 9 },
      { prompt: 'Say hi', chosen: [turn('user', 'Say hi'), turn('assistant', 'Hi!')], rejected: [turn('user', 'Say hi'), turn('assistant', '…')], score_chosen: 7.5 },
      { prompt: 'Broken', chosen: [turn('user', 'Broken')], rejected: [turn('user', 'Broken'), turn('assistant', 'x')], score_chosen: 1 },
    ]);
    await expect(readPreferenceFile(path)).rejects.toThrow(`${path}: row 2: field "chosen" has no completion turn after the prompt`);
    const data = await readPreferenceFile(path, { skipInvalid: true });
    expect(data.examples.map((e) => [e.prompt, e.chosen, e.rejected])).toEqual([
      [[{ role: 'user', content: 'Name a color' }], [{ role: 'assistant', content: 'Blue.' }], [{ role: 'assistant', content: 'Seven' }]],
      [[{ role: 'user', content: 'Say hi' }], [{ role: 'assistant', content: 'Hi!' }], [{ role: 'assistant', content: '…' }]],
    ]);
    expect(data.skipped).toEqual([{ source: `${path}: row 2`, reason: 'field "chosen" has no completion turn after the prompt' }]);
    expect((await readPreferenceFile(path, { maxSamples: 1 })).examples).toHaveLength(1);
  });

  const demo = join(SHARED_DIR, 'data/preference/dpo_en_demo.json');
  it.skipIf(!existsSync(demo))('reads ../shared/data/preference/dpo_en_demo.json (300 ShareGPT pairs)', async () => {
    const data = await readPreferenceFile(demo);
    expect(data.examples).toHaveLength(300);
    expect(data.skipped).toHaveLength(0);
    const first = data.examples[0];
    expect((first.prompt as { role: string }[])[0].role).toBe('user');
    expect((first.chosen as { role: string }[])[0].role).toBe('assistant');
    expect(first.source).toBe(`${demo}:2 (row 0)`);
  });
});
