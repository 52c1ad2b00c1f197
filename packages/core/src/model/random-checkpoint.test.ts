import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shutdownEngineThreads } from '../engine/engine.js';
import { CheckpointReader } from '../io/checkpoint-reader.js';
import { initBackend } from '../runtime/backend.js';
import { toHfConfig } from './config.js';
import { loadModel } from './pretrained.js';
import { configForShape, createRandomModel } from './random-model.js';
import { parseTorchDtype, writeRandomCheckpoint } from './random-checkpoint.js';
import { layerToHfTensors } from './weights-io.js';

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'aligndial-random-ckpt-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  shutdownEngineThreads();
});

describe('writeRandomCheckpoint', () => {
  const config = configForShape('tiny', { architecture: 'qwen2', qkvBias: true, tieWordEmbeddings: false });

  it('writes the weights createRandomModel makes for the seed, tensor by tensor', () => {
    const out = join(dir, 'f32');
    writeRandomCheckpoint(config, join(out, 'model.safetensors'), { seed: 7 });
    const reference = createRandomModel(config, { seed: 7 });
    const reader = CheckpointReader.open(out);
    const want = layerToHfTensors(config, reference.layers[1], 'model.layers.1.');
    for (const [name, t] of Object.entries(want)) expect(Array.from(reader.readFloat32(name))).toEqual(Array.from(t.data as Float32Array));
    reader.close();
    reference.dispose();
  });

  it('writes bfloat16 that auto storage keeps as bf16 in the engine', () => {
    const out = join(dir, 'bf16');
    let calls = 0;
    writeRandomCheckpoint(config, join(out, 'model.safetensors'), { seed: 7, dtype: 'bfloat16', onProgress: () => calls++ });
    writeFileSync(join(out, 'config.json'), JSON.stringify({ ...toHfConfig(config), torch_dtype: 'bfloat16' }));
    const reader = CheckpointReader.open(out);
    expect(reader.info('model.layers.0.mlp.up_proj.weight').dtype).toBe('BF16');
    reader.close();
    expect(calls).toBeGreaterThan(0);
    const model = loadModel(out, { weights: 'auto' });
    expect(model.weightStorage).toBe('bf16');
    const logits = model.forward([[1, 2, 3]]);
    expect(Number.isFinite(logits.dataSync()[0])).toBe(true);
    logits.dispose();
    model.dispose();
  });

  it('names an unsupported torch_dtype', () => {
    expect(parseTorchDtype(undefined, 'c.json')).toBe('float32');
    expect(() => parseTorchDtype('int4', 'c.json')).toThrow('c.json: torch_dtype "int4" is not supported (use float32, bfloat16 or float16)');
  });
});
