import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AligndialError } from '../errors.js';
import { CheckpointReader } from '../io/checkpoint-reader.js';
import { f16ToF32, f32ToF16, bf16ToF32, f32ToBf16 } from '../io/dtype-convert.js';
import { SafetensorsReader } from '../io/safetensors-reader.js';
import { type TensorToWrite, writeSafetensors } from '../io/safetensors-writer.js';
import { initBackend } from '../runtime/backend.js';
import { tf } from '../runtime/tf.js';
import { type ModelConfig, parseModelConfig } from './config.js';
import { loadGenerationDefaults, loadModel, loadModelConfig, saveModel } from './pretrained.js';
import { configForShape, createRandomModel } from './random-model.js';
import type { Transformer } from './transformer.js';
import { validateCheckpoint } from './weights-io.js';

const tmp = mkdtempSync(join(tmpdir(), 'aligndial-pretrained-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let counter = 0;
const newDir = (label = 'm') => join(tmp, `${label}${counter++}`);

const ids = [[1, 7, 42, 3, 99, 250, 12, 5]];

function logitsOf(model: Transformer): Float32Array {
  const t = model.forward(ids);
  const data = t.dataSync() as Float32Array;
  t.dispose();
  return data;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function expectError(fn: () => unknown, pattern: RegExp): AligndialError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected an AligndialError').toBeInstanceOf(AligndialError);
  expect((caught as Error).message).toMatch(pattern);
  return caught as AligndialError;
}

/** All tensors of a saved model.safetensors, as F32 arrays. */
function readAll(file: string): Record<string, { shape: number[]; data: Float32Array }> {
  const r = SafetensorsReader.open(file);
  const out = Object.fromEntries(r.names().map((n) => [n, { shape: [...r.info(n).shape], data: r.readFloat32(n) }]));
  r.close();
  return out;
}

/** A saved model directory with biases everywhere (untied unless `tied`). */
function savedModel(tied: boolean): { dir: string; model: Transformer; config: ModelConfig } {
  const config = configForShape('tiny', { tieWordEmbeddings: tied, qkvBias: true, outputBias: true, mlpBias: true });
  const model = createRandomModel(config, { seed: tied ? 7 : 8, initStd: 0.1, biasStd: 0.02 });
  const dir = newDir(tied ? 'tied' : 'untied');
  saveModel(model, dir);
  return { dir, model, config };
}

describe('model directories: save, load, validate', () => {
  let untied: { dir: string; model: Transformer; config: ModelConfig };
  let reference: Float32Array;
  beforeAll(async () => {
    await initBackend('wasm');
    untied = savedModel(false);
    reference = logitsOf(untied.model);
  });

  it.each([false, true])('saveModel → loadModel gives identical logits (tied: %s, with biases)', (tied) => {
    const { dir, model, config } = tied ? savedModel(true) : untied;
    const loaded = loadModel(dir);
    expect(loaded.config).toEqual(config);
    expect(maxAbsDiff(logitsOf(loaded), logitsOf(model))).toBe(0);
    const names = readAll(join(dir, 'model.safetensors'));
    expect('lm_head.weight' in names).toBe(!tied);
    expect(names['model.layers.0.self_attn.o_proj.bias']).toBeDefined();
    expect(loadGenerationDefaults(dir, loaded.config)).toMatchObject({ bosTokenId: 1, eosTokenIds: [2], maxLength: 512 });
    loaded.dispose();
    if (tied) model.dispose();
  });

  it('loads a sharded checkpoint (two shards + model.safetensors.index.json)', () => {
    const tensors = readAll(join(untied.dir, 'model.safetensors'));
    const dir = newDir('sharded');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), readFileSync(join(untied.dir, 'config.json')));
    const names = Object.keys(tensors).sort();
    const shards = [names.filter((_, i) => i % 2 === 0), names.filter((_, i) => i % 2 === 1)];
    const weightMap: Record<string, string> = {};
    shards.forEach((group, s) => {
      const file = `model-0000${s + 1}-of-00002.safetensors`;
      const out: Record<string, TensorToWrite> = {};
      for (const n of group) {
        out[n] = { dtype: 'F32', shape: tensors[n].shape, data: tensors[n].data };
        weightMap[n] = file;
      }
      writeSafetensors(join(dir, file), out, { format: 'pt' });
    });
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    const loaded = loadModel(dir);
    expect(maxAbsDiff(logitsOf(loaded), reference)).toBe(0);
    loaded.dispose();
  });

  it.each([
    ['F16', f32ToF16, f16ToF32, 2e-2],
    ['BF16', f32ToBf16, bf16ToF32, 1e-1],
  ] as const)('loads a %s checkpoint (weights rounded exactly; logits close)', (dtype, encode, decode, tolerance) => {
    const tensors = readAll(join(untied.dir, 'model.safetensors'));
    const dir = newDir(dtype);
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), readFileSync(join(untied.dir, 'config.json')));
    const out: Record<string, TensorToWrite> = {};
    for (const [n, t] of Object.entries(tensors)) out[n] = { dtype, shape: t.shape, data: t.data };
    writeSafetensors(join(dir, 'model.safetensors'), out);
    const loaded = loadModel(dir);
    const embed = tensors['model.embed_tokens.weight'].data;
    expect(Array.from((loaded.weights.embed as tf.Variable).dataSync())).toEqual(Array.from(decode(encode(embed))));
    const diff = maxAbsDiff(logitsOf(loaded), reference);
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(tolerance);
    loaded.dispose();
  });

  describe('validateCheckpoint names the tensor', () => {
    function rewritten(edit: (t: Record<string, TensorToWrite>) => void): string {
      const tensors = readAll(join(untied.dir, 'model.safetensors'));
      const out: Record<string, TensorToWrite> = {};
      for (const [n, t] of Object.entries(tensors)) out[n] = { dtype: 'F32', shape: t.shape, data: t.data };
      edit(out);
      const dir = newDir('bad');
      mkdirSync(dir);
      writeFileSync(join(dir, 'config.json'), readFileSync(join(untied.dir, 'config.json')));
      writeSafetensors(join(dir, 'model.safetensors'), out);
      return dir;
    }

    it('missing tensor', () => {
      const dir = rewritten((t) => delete t['model.layers.1.mlp.up_proj.weight']);
      expectError(() => loadModel(dir), /tensor "model\.layers\.1\.mlp\.up_proj\.weight" is missing \(config\.json implies it: 2 layers, llama\)/);
    });

    it('missing lm_head when the config says untied', () => {
      const dir = rewritten((t) => delete t['lm_head.weight']);
      expectError(() => loadModel(dir), /tensor "lm_head\.weight" is missing/);
    });

    it('wrong shape', () => {
      const dir = rewritten((t) => {
        t['model.layers.0.self_attn.k_proj.weight'] = { dtype: 'F32', shape: [32, 32], data: new Float32Array(32 * 32) };
      });
      expectError(() => loadModel(dir), /tensor "model\.layers\.0\.self_attn\.k_proj\.weight" has shape \[32, 32\]; config\.json implies \[16, 32\]/);
    });

    it('unexpected tensors (and ignores rotary inv_freq buffers)', () => {
      const dir = rewritten((t) => {
        t['model.layers.2.mlp.up_proj.weight'] = { dtype: 'F32', shape: [1], data: new Float32Array(1) };
        t['model.layers.0.self_attn.rotary_emb.inv_freq'] = { dtype: 'F32', shape: [4], data: new Float32Array(4) };
      });
      expectError(() => loadModel(dir), /unexpected tensor "model\.layers\.2\.mlp\.up_proj\.weight" \(not part of a llama model with this config\.json\)/);
    });

    it('a tied model accepts a redundant lm_head.weight', () => {
      const config = parseModelConfig({ ...JSON.parse(readFileSync(join(untied.dir, 'config.json'), 'utf8')), tie_word_embeddings: true });
      const reader = CheckpointReader.open(untied.dir);
      expect(() => validateCheckpoint(config, reader, untied.dir)).not.toThrow();
      reader.close();
    });
  });

  it('reads generation_config.json with transformers defaults for do_sample', () => {
    const dir = newDir('gen');
    mkdirSync(dir);
    const defaults = (json: unknown) => {
      writeFileSync(join(dir, 'generation_config.json'), JSON.stringify(json));
      return loadGenerationDefaults(dir, untied.config);
    };
    expect(defaults({ do_sample: true })).toMatchObject({ temperature: 1, topK: 50, topP: undefined });
    expect(defaults({ do_sample: true, temperature: 0.6, top_p: 0.9, top_k: 0 })).toMatchObject({ temperature: 0.6, topK: 0, topP: 0.9 });
    expect(defaults({ do_sample: false, temperature: 0.6 })).toMatchObject({ temperature: 0 });
    expect(defaults({ eos_token_id: [7, 8], bos_token_id: 3, max_length: 99, repetition_penalty: 1.1 })).toEqual({
      bosTokenId: 3,
      eosTokenIds: [7, 8],
      maxLength: 99,
      temperature: undefined,
      topK: undefined,
      topP: undefined,
      repetitionPenalty: 1.1,
    });
    for (const [json, pattern] of [
      [{ repetition_penalty: 1e-300 }, /field "repetition_penalty" must be between 0\.01 and 100, got 1e-300/],
      [{ temperature: -1 }, /field "temperature" must be a number ≥ 0/],
      [{ top_p: 2 }, /field "top_p" must be in \(0, 1\]/],
      [{ top_k: '5' }, /field "top_k" must be a whole number ≥ 0, got "5"/],
      [{ eos_token_id: [1, -2] }, /field "eos_token_id" must be a token id or a list of ids/],
      [[1], /expected a JSON object/],
    ] as const) {
      expectError(() => defaults(json), new RegExp(`generation_config\\.json: ${pattern.source}`));
    }
    rmSync(join(dir, 'generation_config.json'));
    expect(loadGenerationDefaults(dir, untied.config)).toMatchObject({ bosTokenId: 1, eosTokenIds: [2] });
  });

  describe('broken directories and files', () => {
    it('missing directory, or a file instead of one', () => {
      const e = expectError(() => loadModel(join(tmp, 'nope')), /nope: model directory not found/);
      expect(e.hint).toMatch(/config\.json, model\.safetensors/);
      const file = join(tmp, 'a-file');
      writeFileSync(file, 'x');
      expectError(() => loadModel(file), /expected a model directory, found a file/);
    });

    it('missing config.json', () => {
      const dir = newDir('noconfig');
      mkdirSync(dir);
      expectError(() => loadModelConfig(dir), /config\.json: model config not found/);
    });

    it.each([
      ['{\n  "model_type": "llama",\n  "hidden_size": }\n', 3, 18],
      ['{\n  "model_type": "llama",\n}', 3, 1],
      ['{\n  "model_type": "llama"', 2, 24],
      ['', 1, 1],
    ])('broken config.json %j: line:column in the message, on one line', (text, line, column) => {
      const dir = newDir('badjson');
      mkdirSync(dir);
      writeFileSync(join(dir, 'config.json'), text);
      const e = expectError(() => loadModelConfig(dir), new RegExp(`config\\.json:${line}:${column}: invalid JSON in model config`));
      expect(e.message).not.toContain('\n');
    });

    it('corrupt or truncated model.safetensors', () => {
      const dir = newDir('corrupt');
      mkdirSync(dir);
      writeFileSync(join(dir, 'config.json'), readFileSync(join(untied.dir, 'config.json')));
      writeFileSync(join(dir, 'model.safetensors'), 'this is not a safetensors file at all');
      expectError(() => loadModel(dir), /model\.safetensors/);
      const good = readFileSync(join(untied.dir, 'model.safetensors'));
      writeFileSync(join(dir, 'model.safetensors'), good.subarray(0, good.length - 100));
      expectError(() => loadModel(dir), /model\.safetensors/);
    });

    it('a config implying more weights than the file holds fails before enumerating (no heap abort)', () => {
      const dir = newDir('huge');
      mkdirSync(dir);
      const config = JSON.parse(readFileSync(join(untied.dir, 'config.json'), 'utf8'));
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, num_hidden_layers: 1000, hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 32, head_dim: 128 }));
      writeFileSync(join(dir, 'model.safetensors'), readFileSync(join(untied.dir, 'model.safetensors')));
      expectError(() => loadModel(dir), /config\.json implies [\d,]+ parameters \(1000 layers, hidden size 4096, vocab \d+\), at least [\d,]+ bytes, but the checkpoint holds [\d,]+ bytes/);
    });

    it('a directory in place of model.safetensors is a clear error', () => {
      const dir = newDir('dirweights');
      mkdirSync(join(dir, 'model.safetensors'), { recursive: true });
      writeFileSync(join(dir, 'config.json'), readFileSync(join(untied.dir, 'config.json')));
      expectError(() => loadModel(dir), /model\.safetensors: expected a safetensors file, found a directory/);
    });
  });

  it('loading leaves no tensors behind once the model is disposed', () => {
    const before = tf.memory().numTensors;
    const loaded = loadModel(untied.dir);
    logitsOf(loaded);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
