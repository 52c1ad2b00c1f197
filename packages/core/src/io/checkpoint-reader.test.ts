import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AligndialError } from '../errors.js';
import { CheckpointReader } from './checkpoint-reader.js';
import { writeSafetensors } from './safetensors-writer.js';
import { expectAligndialError } from './expect-aligndial-error.test-util.js';

const tmp = mkdtempSync(join(tmpdir(), 'aligndial-ckpt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let counter = 0;
const newDir = () => {
  const dir = join(tmp, `m${counter++}`);
  mkdirSync(dir);
  return dir;
};

/** Two shards plus an index, as transformers' save_pretrained writes them. */
function shardedDir(weightMap?: Record<string, string>): string {
  const dir = newDir();
  writeSafetensors(join(dir, 'model-00001-of-00002.safetensors'), {
    'model.embed_tokens.weight': { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
    'model.norm.weight': { dtype: 'BF16', shape: [2], data: new Float32Array([1, -2.5]) },
  }, { format: 'pt' });
  writeSafetensors(join(dir, 'model-00002-of-00002.safetensors'), {
    'lm_head.weight': { dtype: 'F16', shape: [2, 2], data: new Float32Array([0.5, 1, 1.5, 2]) },
    'position_ids': { dtype: 'I64', shape: [3], data: new Int32Array([0, 1, 2]) },
  });
  const map = weightMap ?? {
    'model.embed_tokens.weight': 'model-00001-of-00002.safetensors',
    'model.norm.weight': 'model-00001-of-00002.safetensors',
    'lm_head.weight': 'model-00002-of-00002.safetensors',
    'position_ids': 'model-00002-of-00002.safetensors',
  };
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 40 }, weight_map: map }));
  return dir;
}

describe('CheckpointReader', () => {
  it('reads a single-file checkpoint', () => {
    const dir = newDir();
    writeSafetensors(join(dir, 'model.safetensors'), { w: { dtype: 'F32', shape: [1, 2], data: new Float32Array([5, 6]) } });
    const r = CheckpointReader.open(dir);
    expect(r.indexPath).toBeUndefined();
    expect(r.files).toEqual([join(dir, 'model.safetensors')]);
    expect(r.names()).toEqual(['w']);
    expect(Array.from(r.readFloat32('w'))).toEqual([5, 6]);
    r.close();
    // The file itself is accepted too.
    const direct = CheckpointReader.open(join(dir, 'model.safetensors'));
    expect(direct.has('w')).toBe(true);
    direct.close();
  });

  it('reads a sharded checkpoint through its index', () => {
    const dir = shardedDir();
    // Even when a stale single file exists, the index wins, as in transformers.
    writeSafetensors(join(dir, 'model.safetensors'), { stale: { dtype: 'U8', shape: [1], data: new Uint8Array(1) } });
    const r = CheckpointReader.open(dir);
    expect(r.indexPath).toBe(join(dir, 'model.safetensors.index.json'));
    expect(r.files).toHaveLength(2);
    expect(r.names().sort()).toEqual(['lm_head.weight', 'model.embed_tokens.weight', 'model.norm.weight', 'position_ids']);
    expect(r.metadata).toEqual({ format: 'pt' });
    expect(Array.from(r.readFloat32('model.embed_tokens.weight'))).toEqual([1, 2, 3, 4]);
    expect(Array.from(r.readFloat32('model.norm.weight'))).toEqual([1, -2.5]);
    expect(Array.from(r.readFloat32('lm_head.weight'))).toEqual([0.5, 1, 1.5, 2]);
    expect(Array.from(r.readInt32('position_ids'))).toEqual([0, 1, 2]);
    expect(r.info('lm_head.weight')).toMatchObject({
      dtype: 'F16',
      shape: [2, 2],
      byteLength: 8,
      file: join(dir, 'model-00002-of-00002.safetensors'),
    });
    expect(r.readBytes('model.norm.weight').byteLength).toBe(4);
    expect(r.has('stale')).toBe(false);
    expectAligndialError(() => r.readFloat32('nope'), /model\.safetensors\.index\.json: no tensor named "nope"; available: /);
    r.close();
  });

  it('names the index file and the shard when a shard is missing', () => {
    const dir = shardedDir({ a: 'model-00001-of-00002.safetensors', b: 'model-00003-of-00003.safetensors' });
    expectAligndialError(
      () => CheckpointReader.open(dir),
      /model\.safetensors\.index\.json: shard "model-00003-of-00003\.safetensors" listed in weight_map is missing/,
    );
  });

  it('names the index file when a mapped tensor is not in its shard', () => {
    const dir = shardedDir({ 'lm_head.weight': 'model-00001-of-00002.safetensors' });
    expectAligndialError(
      () => CheckpointReader.open(dir),
      /model\.safetensors\.index\.json: weight_map puts tensor "lm_head\.weight" in shard "model-00001-of-00002\.safetensors", but that shard has no such tensor/,
    );
  });

  it('rejects a bad index and shards outside the directory', () => {
    const dir = newDir();
    const index = join(dir, 'model.safetensors.index.json');
    writeFileSync(index, '{not json');
    expectAligndialError(() => CheckpointReader.open(dir), /model\.safetensors\.index\.json:1:2: invalid JSON in checkpoint index/);
    writeFileSync(index, JSON.stringify({ metadata: {} }));
    expectAligndialError(() => CheckpointReader.open(dir), /"weight_map" must be an object/);
    writeFileSync(index, JSON.stringify({ weight_map: { a: '../evil.safetensors' } }));
    expectAligndialError(() => CheckpointReader.open(dir), /shard "\.\.\/evil\.safetensors" must be a file inside/);
  });

  it('explains what it looked for when there is no safetensors checkpoint', () => {
    const empty = newDir();
    expectAligndialError(
      () => CheckpointReader.open(empty),
      /no safetensors checkpoint found \(looked for model\.safetensors and model\.safetensors\.index\.json\).*convert them to safetensors/,
    );
    const torch = newDir();
    writeFileSync(join(torch, 'pytorch_model.bin'), 'x');
    const error = expectAligndialError(() => CheckpointReader.open(torch), /found pytorch_model\.bin.*\.bin checkpoints are not read: convert them to safetensors/);
    expect(error.hint).toMatch(/safe_serialization=True/);
    expectAligndialError(() => CheckpointReader.open(join(tmp, 'absent')), /checkpoint not found/);
  });
});

const here = dirname(fileURLToPath(import.meta.url));
const stories = resolve(here, '../../../../../shared/models/stories260K');

describe.skipIf(!existsSync(stories))('stories260K directory (skipped when ../shared is absent)', () => {
  it('opens the model directory', () => {
    const r = CheckpointReader.open(stories);
    expect(r.info('model.embed_tokens.weight')).toMatchObject({ dtype: 'F32', shape: [512, 64] });
    expect(r.readFloat32('model.norm.weight').length).toBe(64);
    r.close();
  });
});
