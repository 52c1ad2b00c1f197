import { ENGINE_MAX_BYTES } from '../engine/engine-memory.js';
import { EngineMatrix, STORAGE_BYTES, WEIGHT_STORAGES, type WeightStorage } from '../engine/engine-matrix.js';
import { AligndialError } from '../errors.js';
import { CheckpointReader } from '../io/checkpoint-reader.js';
import { tf } from '../runtime/tf.js';
import { countParameters, type ModelConfig } from './config.js';
import { DecoderLayer, type DecoderLayerWeights } from './decoder-layer.js';
import { Transformer } from './transformer.js';
import { validateCheckpoint } from './weights-io.js';

/** `--weights`: the storage type of frozen matrices, or `auto` (the checkpoint's own dtype). */
export type WeightsChoice = 'auto' | WeightStorage;
export const WEIGHTS_CHOICES: readonly WeightsChoice[] = ['auto', ...WEIGHT_STORAGES];

/** Engine memory kept free for activations and scratch when planning whether weights fit. */
const HEADROOM_BYTES = 256 * 1024 ** 2;
const GIB = 1024 ** 3;

/** Parses `--weights` / the `weights` option. */
export function parseWeightsChoice(value: string, source = '--weights'): WeightsChoice {
  const v = value.trim().toLowerCase();
  if ((WEIGHTS_CHOICES as readonly string[]).includes(v)) return v as WeightsChoice;
  throw new AligndialError(`Unknown weight storage "${value}" (from ${source}).`, {
    hint: 'Use auto (the checkpoint\'s dtype), f32, bf16 (half the memory, exact for bf16 checkpoints) or int8 (q8: ~1/4 the memory, lossy).',
  });
}

/** The storage `auto` picks for a checkpoint: bf16 for BF16 files, f32 otherwise (F16 does not fit bf16 exactly). */
export function autoStorage(dir: string): WeightStorage {
  const reader = CheckpointReader.open(dir);
  try {
    const name = reader.names().find((n) => n.endsWith('mlp.down_proj.weight')) ?? 'model.embed_tokens.weight';
    return reader.has(name) && reader.info(name).dtype === 'BF16' ? 'bf16' : 'f32';
  } finally {
    reader.close();
  }
}

/** Refuses, before reading weights, a model whose matrices cannot fit the engine's 4 GiB memory. */
export function assertFitsEngine(config: ModelConfig, storage: WeightStorage, where: string): void {
  const params = countParameters(config);
  const need = (s: WeightStorage) => params * STORAGE_BYTES[s];
  if (need(storage) + HEADROOM_BYTES <= ENGINE_MAX_BYTES) return;
  const fits = WEIGHT_STORAGES.filter((s) => need(s) + HEADROOM_BYTES <= ENGINE_MAX_BYTES).sort((a, b) => STORAGE_BYTES[b] - STORAGE_BYTES[a]);
  throw new AligndialError(
    `${where}: ${(params / 1e9).toFixed(2)}B parameters need ${(need(storage) / GIB).toFixed(2)} GiB as ${storage}; the matmul engine's memory holds 4 GiB (wasm32).`,
    {
      hint: fits.length > 0
        ? `Load it with --weights ${fits[0]} (${(need(fits[0]) / GIB).toFixed(2)} GiB).`
        : 'Even int8 does not fit: use the node or node-gpu backend, or a smaller model.',
    },
  );
}

/**
 * Loads a checkpoint with its matrices in the engine's memory (stored as `storage`, read straight
 * from the file, once; bf16 tensors into bf16 storage are copied bit for bit) and its norms and
 * biases as tfjs Variables. The tied embedding / LM head is one matrix.
 */
export function buildEngineTransformer(config: ModelConfig, dir: string, storage: WeightStorage): Transformer {
  assertFitsEngine(config, storage, dir);
  const reader = CheckpointReader.open(dir);
  const made: EngineMatrix[] = [];
  const variables: tf.Variable[] = [];
  try {
    validateCheckpoint(config, reader, dir);
    const { hiddenSize: D, intermediateSize: F, numHeads: H, numKvHeads: K, headDim: hd, vocabSize: V } = config;
    const matrix = (name: string, parts: string[], rows: number, cols: number, tfTransposed = true) => {
      const m = new EngineMatrix(rows, cols, storage, name, tfTransposed);
      made.push(m);
      let row = 0;
      for (const part of parts) {
        const info = reader.info(part);
        const data = info.dtype === 'BF16' && storage !== 'int8' ? { bf16: bf16Bits(reader.readWeightBytes(part)) } : reader.readFloat32(part);
        m.writeRows(row, data);
        row += info.shape[0];
      }
      return m;
    };
    const variable = (name: string) => {
      const t = tf.tensor1d(reader.readFloat32(name));
      const v = tf.variable(t, false);
      t.dispose();
      variables.push(v);
      return v;
    };
    const concatVariable = (names: string[]) => {
      const parts = names.map((n) => reader.readFloat32(n));
      const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
      let o = 0;
      for (const p of parts) {
        all.set(p, o);
        o += p.length;
      }
      const t = tf.tensor1d(all);
      const v = tf.variable(t, false);
      t.dispose();
      variables.push(v);
      return v;
    };
    const layers: DecoderLayer[] = [];
    for (let i = 0; i < config.numLayers; i++) {
      const p = `model.layers.${i}.`;
      const w: DecoderLayerWeights = {
        inputNorm: variable(`${p}input_layernorm.weight`),
        wqkv: matrix(`${p}self_attn.qkv`, ['q', 'k', 'v'].map((x) => `${p}self_attn.${x}_proj.weight`), (H + 2 * K) * hd, D),
        wo: matrix(`${p}self_attn.o_proj`, [`${p}self_attn.o_proj.weight`], D, H * hd),
        postNorm: variable(`${p}post_attention_layernorm.weight`),
        wGateUp: matrix(`${p}mlp.gate_up`, [`${p}mlp.gate_proj.weight`, `${p}mlp.up_proj.weight`], 2 * F, D),
        wDown: matrix(`${p}mlp.down_proj`, [`${p}mlp.down_proj.weight`], D, F),
      };
      if (config.qkvBias) w.bqkv = concatVariable(['q', 'k', 'v'].map((x) => `${p}self_attn.${x}_proj.bias`));
      if (config.outputBias) w.bo = variable(`${p}self_attn.o_proj.bias`);
      if (config.mlpBias) {
        w.bGateUp = concatVariable([`${p}mlp.gate_proj.bias`, `${p}mlp.up_proj.bias`]);
        w.bDown = variable(`${p}mlp.down_proj.bias`);
      }
      layers.push(new DecoderLayer(config, w));
    }
    const embed = matrix('model.embed_tokens', ['model.embed_tokens.weight'], V, D, false);
    const norm = variable('model.norm.weight');
    const lmHead = config.tieWordEmbeddings ? undefined : matrix('lm_head', ['lm_head.weight'], V, D);
    return new Transformer(config, { embed, norm, lmHead }, layers);
  } catch (error) {
    for (const m of made) m.dispose();
    for (const v of variables) v.dispose();
    throw error;
  } finally {
    reader.close();
  }
}

function bf16Bits(bytes: Uint8Array): Uint16Array {
  // Safetensors data is little-endian and may be unaligned inside the file buffer: copy when needed.
  if (bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  return new Uint16Array(bytes.slice().buffer);
}
