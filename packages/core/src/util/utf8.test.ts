import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTextFile } from '../io/read-text-file.js';
import { AligndialError } from '../errors.js';
import { describeValue } from './describe-value.js';
import { decodeUtf8Strict, firstInvalidUtf8 } from './utf8.js';

describe('decodeUtf8Strict', () => {
  it('decodes valid UTF-8 (BOM dropped) and names line:column of the first invalid byte', () => {
    expect(decodeUtf8Strict(new TextEncoder().encode('héllo\n✓'), 'f')).toBe('héllo\n✓');
    expect(decodeUtf8Strict(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), 'f')).toBe('a');
    const bytes = new Uint8Array([...new TextEncoder().encode('ok\nabé'), 0xff, 0x41]);
    expect(() => decodeUtf8Strict(bytes, 'data.jsonl')).toThrow(AligndialError);
    expect(() => decodeUtf8Strict(bytes, 'data.jsonl')).toThrow(/^data\.jsonl:2:4: invalid UTF-8 \(byte 0xff at byte offset 7\)/);
  });

  it('finds overlong encodings, surrogates and truncated sequences like the WHATWG decoder', () => {
    const cases = [[0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0x80]];
    for (const c of cases) {
      expect(firstInvalidUtf8(new Uint8Array([0x61, ...c]))).toBe(1);
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(c))).toThrow();
    }
    expect(firstInvalidUtf8(new TextEncoder().encode('😀é'))).toBe(6);
  });
});

describe('describeValue', () => {
  it('renders short values as JSON and cuts long or deep ones', () => {
    expect(describeValue('x')).toBe('"x"');
    expect(describeValue([1, 2])).toBe('[1,2]');
    expect(describeValue({ a: null })).toBe('{"a":null}');
    expect(describeValue('y'.repeat(500)).length).toBeLessThanOrEqual(80);
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(describeValue(deep)).toBe('[[[[[…]]]]]');
  });
});

describe('readTextFile', () => {
  it('reads UTF-8 text; a directory, a FIFO or invalid UTF-8 is a clear error (no EISDIR, no hang, no U+FFFD)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aligndial-text-'));
    writeFileSync(join(dir, 'ok.txt'), 'a\nb✓');
    expect(readTextFile(join(dir, 'ok.txt'), 'queries file')).toBe('a\nb✓');
    writeFileSync(join(dir, 'bad.txt'), Buffer.from([0x61, 0x0a, 0x62, 0xfe]));
    expect(() => readTextFile(join(dir, 'bad.txt'), 'queries file')).toThrow(/bad\.txt:2:2: invalid UTF-8/);
    expect(() => readTextFile(dir, 'queries file')).toThrow(/expected a queries file, found a directory/);
    expect(() => readTextFile(join(dir, 'none.txt'), 'queries file')).toThrow(/none\.txt: queries file not found/);
    if (spawnSync('mkfifo', [join(dir, 'pipe')]).status === 0) {
      expect(() => readTextFile(join(dir, 'pipe'), 'queries file')).toThrow(/pipe: expected a queries file, found a named pipe \(FIFO\)/);
    }
  });
});
