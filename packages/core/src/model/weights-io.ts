import { AligndialError } from '../errors.js';
import { CheckpointReader } from '../io/checkpoint-reader.js';
import { type TensorToWrite, writeSafetensors } from '../io/safetensors-writer.js';
import { tf } from '../runtime/tf.js';
import { type ModelConfig, countParameters } from './config.js';
import { DecoderLayer, type DecoderLayerWeights } from './decoder-layer.js';
import { expectedHfTensors, isIgnorableHfTensor } from './hf-layout.js';
import { assertFitsBackend } from './memory-limits.js';
import { Transformer } from './transformer.js';
import { EngineMatrix, type WeightStorage } from '../engine/engine-matrix.js';
import { buildEngineTransformer } from './engine-weights.js';
import { type LinearWeight, linearWeightValues } from './linear-weight.js';

/** Reads float32 weights by Hugging Face name (from a checkpoint, or from memory for random models). */
export type HfTensorSource = (name: string, shape: number[]) => Float32Array;

/**
 * Checks that a checkpoint holds exactly the tensors the config implies, with the right shapes.
 * Errors name the checkpoint and the tensor.
 */
export function validateCheckpoint(config: ModelConfig, reader: CheckpointReader, where: string): void {
  // Arithmetic first: a config that implies more weights than the file can hold fails before any enumeration.
  const parameters = countParameters(config);
  const minBytes = parameters * 2; // the narrowest weight dtypes (F16/BF16) take 2 bytes per value
  if (minBytes > reader.dataBytes) {
    throw new AligndialError(
      `${where}: config.json implies ${parameters.toLocaleString('en-US')} parameters (${config.numLayers} layers, hidden size ${config.hiddenSize}, vocab ${config.vocabSize}), at least ${minBytes.toLocaleString('en-US')} bytes, but the checkpoint holds ${reader.dataBytes.toLocaleString('en-US')} bytes of tensor data: config.json does not describe these weights.`,
    );
  }
  const expected = expectedHfTensors(config);
  const expectedNames = new Set(expected.map((s) => s.name));
  for (const spec of expected) {
    if (!reader.has(spec.name)) {
      throw new AligndialError(`${where}: tensor "${spec.name}" is missing (config.json implies it: ${config.numLayers} layers, ${config.architecture}).`);
    }
    const shape = reader.info(spec.name).shape;
    if (shape.length !== spec.shape.length || shape.some((d, i) => d !== spec.shape[i])) {
      throw new AligndialError(`${where}: tensor "${spec.name}" has shape [${shape.join(', ')}]; config.json implies [${spec.shape.join(', ')}].`);
    }
  }
  const unexpected = reader
    .names()
    .filter((n) => !expectedNames.has(n) && !isIgnorableHfTensor(n) && !(config.tieWordEmbeddings && n === 'lm_head.weight'));
  if (unexpected.length > 0) {
    throw new AligndialError(
      `${where}: unexpected tensor${unexpected.length > 1 ? 's' : ''} ${unexpected.slice(0, 5).map((n) => `"${n}"`).join(', ')}${unexpected.length > 5 ? ` and ${unexpected.length - 5} more` : ''} (not part of a ${config.architecture} model with this config.json).`,
    );
  }
}

/** [rows, cols] row-major → its transpose [cols, rows], written into `out` at column offset `colOffset` of width `outCols`. */
function transposeInto(src: Float32Array, rows: number, cols: number, out: Float32Array, outCols: number, colOffset: number): void {
  for (let r = 0; r < rows; r++) {
    const srcRow = r * cols;
    for (let c = 0; c < cols; c++) out[c * outCols + colOffset + r] = src[srcRow + c];
  }
}

/** Concatenates HF [out, in] matrices along `out` and lays them out as one [in, Σout] matrix for x · W. */
function fuseTransposed(parts: { data: Float32Array; rows: number }[], cols: number): tf.Tensor2D {
  const total = parts.reduce((n, p) => n + p.rows, 0);
  const out = new Float32Array(cols * total);
  let offset = 0;
  for (const p of parts) {
    transposeInto(p.data, p.rows, cols, out, total, offset);
    offset += p.rows;
  }
  return tf.tensor2d(out, [cols, total]);
}

function concat1d(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** A non-trainable variable holding `t`'s data; `t` itself is disposed (else every load leaks a copy's handle). */
const variable = (t: tf.Tensor) => {
  const v = tf.variable(t, false);
  t.dispose();
  return v;
};

/** Builds one decoder layer's fused weights from HF tensors with prefix `p` (e.g. `model.layers.3.`). */
export function buildLayer(config: ModelConfig, read: HfTensorSource, p: string): DecoderLayer {
  const { hiddenSize: D, intermediateSize: F, numHeads: H, numKvHeads: K, headDim: hd } = config;
  const get = (name: string, shape: number[]) => read(p + name, shape);
  const w: DecoderLayerWeights = {
    inputNorm: variable(tf.tensor1d(get('input_layernorm.weight', [D]))),
    wqkv: variable(
      fuseTransposed(
        [
          { data: get('self_attn.q_proj.weight', [H * hd, D]), rows: H * hd },
          { data: get('self_attn.k_proj.weight', [K * hd, D]), rows: K * hd },
          { data: get('self_attn.v_proj.weight', [K * hd, D]), rows: K * hd },
        ],
        D,
      ),
    ),
    wo: variable(fuseTransposed([{ data: get('self_attn.o_proj.weight', [D, H * hd]), rows: D }], H * hd)),
    postNorm: variable(tf.tensor1d(get('post_attention_layernorm.weight', [D]))),
    wGateUp: variable(
      fuseTransposed(
        [
          { data: get('mlp.gate_proj.weight', [F, D]), rows: F },
          { data: get('mlp.up_proj.weight', [F, D]), rows: F },
        ],
        D,
      ),
    ),
    wDown: variable(fuseTransposed([{ data: get('mlp.down_proj.weight', [D, F]), rows: D }], F)),
  };
  if (config.qkvBias) {
    w.bqkv = variable(
      tf.tensor1d(concat1d([get('self_attn.q_proj.bias', [H * hd]), get('self_attn.k_proj.bias', [K * hd]), get('self_attn.v_proj.bias', [K * hd])])),
    );
  }
  if (config.outputBias) w.bo = variable(tf.tensor1d(get('self_attn.o_proj.bias', [D])));
  if (config.mlpBias) {
    w.bGateUp = variable(tf.tensor1d(concat1d([get('mlp.gate_proj.bias', [F]), get('mlp.up_proj.bias', [F])])));
    w.bDown = variable(tf.tensor1d(get('mlp.down_proj.bias', [D])));
  }
  return new DecoderLayer(config, w);
}

/** Builds a Transformer from HF-named float32 tensors. */
export function buildTransformer(config: ModelConfig, read: HfTensorSource): Transformer {
  const { hiddenSize: D, vocabSize: V } = config;
  const layers: DecoderLayer[] = [];
  for (let i = 0; i < config.numLayers; i++) layers.push(buildLayer(config, read, `model.layers.${i}.`));
  const embed = variable(tf.tensor2d(read('model.embed_tokens.weight', [V, D]), [V, D]));
  const norm = variable(tf.tensor1d(read('model.norm.weight', [D])));
  const lmHead = config.tieWordEmbeddings
    ? undefined
    : variable(fuseTransposed([{ data: read('lm_head.weight', [V, D]), rows: V }], D));
  return new Transformer(config, { embed, norm, lmHead }, layers);
}

/** Loads the weights of a Hugging Face checkpoint directory (validated against the config). */
export function loadTransformerWeights(config: ModelConfig, dir: string, options: { storage?: WeightStorage } = {}): Transformer {
  if (options.storage) return buildEngineTransformer(config, dir, options.storage);
  const reader = CheckpointReader.open(dir);
  try {
    // The file is checked against config.json first: a config that does not describe it is the real problem.
    validateCheckpoint(config, reader, dir);
    assertFitsBackend(config, dir);
    return buildTransformer(config, (name) => reader.readFloat32(name));
  } finally {
    reader.close();
  }
}

/** Splits fused [in, Σout] weights (or an engine matrix, already [Σout, in]) back into HF [out, in] matrices. */
function unfuse(w: LinearWeight, sizes: number[]): Float32Array[] {
  if (w instanceof EngineMatrix) {
    const data = w.toFloat32();
    let offset = 0;
    return sizes.map((n) => data.slice(offset * w.cols, (offset += n) * w.cols));
  }
  const [rows, total] = w.shape as [number, number];
  const data = w.dataSync() as Float32Array;
  const parts: Float32Array[] = [];
  let offset = 0;
  for (const size of sizes) {
    const out = new Float32Array(size * rows);
    for (let r = 0; r < rows; r++) {
      const src = r * total + offset;
      for (let c = 0; c < size; c++) out[c * rows + r] = data[src + c];
    }
    parts.push(out);
    offset += size;
  }
  return parts;
}

function splitVector(v: tf.Tensor, sizes: number[]): Float32Array[] {
  const data = v.dataSync() as Float32Array;
  let offset = 0;
  return sizes.map((n) => data.slice(offset, (offset += n)));
}

/** The HF tensors (name → F32 data + shape) of one decoder layer, under prefix `p`. */
export function layerToHfTensors(config: ModelConfig, layer: DecoderLayer, p: string): Record<string, TensorToWrite> {
  const { hiddenSize: D, intermediateSize: F, numHeads: H, numKvHeads: K, headDim: hd } = config;
  const w = layer.weights;
  const f32 = (data: Float32Array, shape: number[]): TensorToWrite => ({ dtype: 'F32', shape, data });
  const [q, k, v] = unfuse(w.wqkv, [H * hd, K * hd, K * hd]);
  const [gate, up] = unfuse(w.wGateUp, [F, F]);
  const out: Record<string, TensorToWrite> = {
    [`${p}input_layernorm.weight`]: f32(w.inputNorm.dataSync() as Float32Array, [D]),
    [`${p}self_attn.q_proj.weight`]: f32(q, [H * hd, D]),
    [`${p}self_attn.k_proj.weight`]: f32(k, [K * hd, D]),
    [`${p}self_attn.v_proj.weight`]: f32(v, [K * hd, D]),
    [`${p}self_attn.o_proj.weight`]: f32(unfuse(w.wo, [D])[0], [D, H * hd]),
    [`${p}post_attention_layernorm.weight`]: f32(w.postNorm.dataSync() as Float32Array, [D]),
    [`${p}mlp.gate_proj.weight`]: f32(gate, [F, D]),
    [`${p}mlp.up_proj.weight`]: f32(up, [F, D]),
    [`${p}mlp.down_proj.weight`]: f32(unfuse(w.wDown, [D])[0], [D, F]),
  };
  if (w.bqkv) {
    const [bq, bk, bv] = splitVector(w.bqkv, [H * hd, K * hd, K * hd]);
    out[`${p}self_attn.q_proj.bias`] = f32(bq, [H * hd]);
    out[`${p}self_attn.k_proj.bias`] = f32(bk, [K * hd]);
    out[`${p}self_attn.v_proj.bias`] = f32(bv, [K * hd]);
  }
  if (w.bo) out[`${p}self_attn.o_proj.bias`] = f32(w.bo.dataSync() as Float32Array, [D]);
  if (w.bGateUp && w.bDown) {
    const [bg, bu] = splitVector(w.bGateUp, [F, F]);
    out[`${p}mlp.gate_proj.bias`] = f32(bg, [F]);
    out[`${p}mlp.up_proj.bias`] = f32(bu, [F]);
    out[`${p}mlp.down_proj.bias`] = f32(w.bDown.dataSync() as Float32Array, [D]);
  }
  return out;
}

/**
 * Writes the model's weights as a Hugging Face `model.safetensors` (atomic). Every layer in
 * `model.layers` is written, so a model with inserted layers saves as a plain deeper model.
 */
export function saveTransformerWeights(model: Transformer, file: string): void {
  const { hiddenSize: D, vocabSize: V } = model.config;
  const tensors: Record<string, TensorToWrite> = {
    'model.embed_tokens.weight': { dtype: 'F32', shape: [V, D], data: linearWeightValues(model.weights.embed, false) },
    'model.norm.weight': { dtype: 'F32', shape: [D], data: model.weights.norm.dataSync() as Float32Array },
  };
  model.layers.forEach((layer, i) => Object.assign(tensors, layerToHfTensors(model.config, layer, `model.layers.${i}.`)));
  if (model.weights.lmHead) tensors['lm_head.weight'] = { dtype: 'F32', shape: [V, D], data: unfuse(model.weights.lmHead, [V])[0] };
  writeSafetensors(file, tensors, { format: 'pt' });
}
