import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFilesAtomic } from './atomic-dir.js';
import { removeStaleTemps } from './stale-temps.js';

const DEAD = 2 ** 22 + 4321; // above Linux's default pid_max: no such process

describe('removeStaleTemps', () => {
  it("removes temp files and directories of writers that are gone, never a live writer's or other files", () => {
    const dir = mkdtempSync(join(tmpdir(), 'aligndial-stale-'));
    const stale = [`.model.safetensors.${DEAD}.1700000000000.tmp`, `.checkpoint-8.tmp-${DEAD}-1-abc`, `.checkpoint-8.old-${DEAD}-1-abc`, `answers.jsonl.tmp-${DEAD}`];
    const kept = [`.model.safetensors.${process.pid}.1.tmp`, 'model.safetensors', 'notes.tmp', 'checkpoint-8'];
    for (const name of [...stale, ...kept]) {
      if (name.includes('checkpoint-8')) mkdirSync(join(dir, name));
      else writeFileSync(join(dir, name), 'x');
    }
    expect(removeStaleTemps(dir).sort()).toEqual([...stale].sort());
    expect(readdirSync(dir).sort()).toEqual([...kept].sort());
    expect(removeStaleTemps(join(dir, 'absent'))).toEqual([]);
  });
});

describe('writeFilesAtomic', () => {
  it('creates a new directory whole (via a temp sibling) and replaces files in an existing one, keeping others', () => {
    const root = mkdtempSync(join(tmpdir(), 'aligndial-atomic-dir-'));
    const dir = join(root, 'out');
    writeFilesAtomic(dir, [
      { name: 'a.bin', data: new Uint8Array([1, 2]) },
      { name: 'm.json', data: '{}' },
    ]);
    expect(readdirSync(root)).toEqual(['out']);
    writeFileSync(join(dir, 'metrics.jsonl'), '');
    writeFilesAtomic(dir, [{ name: 'm.json', data: '{"v":2}' }]);
    expect(readdirSync(dir).sort()).toEqual(['a.bin', 'm.json', 'metrics.jsonl']);
  });
});
