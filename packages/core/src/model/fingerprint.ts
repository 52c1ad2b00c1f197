import { createHash } from 'node:crypto';
import { AligndialError } from '../errors.js';
import { EngineMatrix } from '../engine/engine-matrix.js';
import { tf } from '../runtime/tf.js';
import { canonicalJson } from '../util/canonical-json.js';
import type { ModelConfig } from './config.js';
import { type LinearWeight, linearWeightShape, linearWeightValues } from './linear-weight.js';
import type { Transformer } from './transformer.js';

/** The config fields that decide whether weights, adapters and directions fit a model (shape and numerics). */
export const STRUCTURAL_CONFIG_FIELDS = [
  'architecture',
  'vocabSize',
  'hiddenSize',
  'intermediateSize',
  'numLayers',
  'numHeads',
  'numKvHeads',
  'headDim',
  'rmsNormEps',
  'ropeTheta',
  'ropeScaling',
  'tieWordEmbeddings',
  'qkvBias',
  'outputBias',
  'mlpBias',
  'slidingWindow',
] as const satisfies readonly (keyof ModelConfig)[];

export type StructuralConfig = Pick<ModelConfig, (typeof STRUCTURAL_CONFIG_FIELDS)[number]>;

/** The structural part of a config (what adapter and edits manifests record). */
export function structuralConfig(config: ModelConfig): StructuralConfig {
  const out: Record<string, unknown> = {};
  for (const field of STRUCTURAL_CONFIG_FIELDS) if (config[field] !== undefined) out[field] = config[field];
  return out as StructuralConfig;
}

/** sha256 (hex) of the structural config: equal hashes mean per-layer artefacts fit. */
export function configHash(config: ModelConfig): string {
  return createHash('sha256').update(canonicalJson(structuralConfig(config))).digest('hex');
}

/** Values sampled per tensor for the default (sampled) weights hash. */
const SAMPLES_PER_TENSOR = 256;

export interface WeightsHashOptions {
  /** Hash every value (for caches whose correctness depends on the exact weights); default: a strided sample. */
  exact?: boolean;
}

/**
 * sha256 (hex) of the base weights: embeddings, the last `config.numLayers` layers of `model.layers`
 * (so a model with layers inserted before layer 0, as CLM does, hashes like its base), final norm
 * and LM head. The default strided sample tells two checkpoints of one shape apart (a different
 * fine-tune) without hashing gigabytes; `exact` hashes everything.
 */
export function weightsHash(model: Transformer, options: WeightsHashOptions = {}): string {
  const c = model.config;
  if (model.layers.length < c.numLayers) throw new AligndialError(`model has ${model.layers.length} layers but its config says ${c.numLayers}`);
  const named: [string, LinearWeight][] = [['embed', model.weights.embed]];
  model.layers.slice(model.layers.length - c.numLayers).forEach((layer, i) => {
    for (const [name, v] of layer.allWeights()) named.push([`layers.${i}.${name}`, v]);
  });
  named.push(['norm', model.weights.norm]);
  if (model.weights.lmHead) named.push(['lmHead', model.weights.lmHead]);
  const hash = createHash('sha256');
  for (const [name, v] of named) {
    const transposed = name !== 'embed';
    hash.update(`${name}:${linearWeightShape(v, transposed).join('x')};`);
    // Engine-held matrices report the values they were loaded from, so the hash does not depend on the storage type.
    const values = v instanceof EngineMatrix
      ? options.exact
        ? linearWeightValues(v, transposed)
        : v.hashSamples()
      : options.exact
      ? (v.dataSync() as Float32Array)
      : (tf.tidy(() => {
          const size = v.size;
          const count = Math.min(size, SAMPLES_PER_TENSOR);
          const index = Array.from({ length: count }, (_, k) => Math.floor((k * size) / count));
          return tf.gather(tf.reshape(v, [size]), tf.tensor1d(index, 'int32')).dataSync();
        }) as Float32Array);
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return hash.digest('hex');
}

/** Identifies a model: its structural config and its weights. */
export interface ModelFingerprint {
  /** sha256 of `configHash` + `weightsHash` (hex). */
  fingerprint: string;
  configHash: string;
  weightsHash: string;
  architecture: string;
  hiddenSize: number;
  numLayers: number;
  vocabSize: number;
}

/** The fingerprint recorded by adapters, edits and data files, and checked when they are loaded. */
export function modelFingerprint(model: Transformer, options: WeightsHashOptions = {}): ModelFingerprint {
  const c = model.config;
  const config = configHash(c);
  const weights = weightsHash(model, options);
  return {
    fingerprint: createHash('sha256').update(`${config}:${weights}`).digest('hex'),
    configHash: config,
    weightsHash: weights,
    architecture: c.architecture,
    hiddenSize: c.hiddenSize,
    numLayers: c.numLayers,
    vocabSize: c.vocabSize,
  };
}
