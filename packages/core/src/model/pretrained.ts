import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AligndialError } from '../errors.js';
import { removeStaleTemps } from '../io/stale-temps.js';
import { REPETITION_PENALTY_RANGE } from '../generation/sampling.js';
import { describeValue } from '../util/describe-value.js';
import { readJsonFile, writeJsonFile } from '../util/json-file.js';
import { type ModelConfig, countParameters, parseModelConfig, toHfConfig } from './config.js';
import type { Transformer } from './transformer.js';
import { loadTransformerWeights, saveTransformerWeights } from './weights-io.js';
import type { WeightStorage } from '../engine/engine-matrix.js';
import { engineAvailable } from '../engine/availability.js';
import { tf } from '../runtime/tf.js';
import { type WeightsChoice, autoStorage } from './engine-weights.js';

/** Checks that `dir` is an existing directory; the error says what was expected there. */
export function assertModelDir(dir: string): void {
  if (!existsSync(dir)) throw new AligndialError(`${dir}: model directory not found`, { hint: 'Pass a Hugging Face model directory (config.json, model.safetensors, tokenizer.json).' });
  if (!statSync(dir).isDirectory()) throw new AligndialError(`${dir}: expected a model directory, found a file`);
}

/** Reads `config.json` of a Hugging Face model directory. */
export function loadModelConfig(dir: string): ModelConfig {
  assertModelDir(dir);
  const path = join(dir, 'config.json');
  return parseModelConfig(readJsonFile(path, 'model config'), path);
}

/** How `loadModel` holds the weights. */
export interface LoadModelOptions {
  /**
   * Frozen matrices in the matmul engine (wasm and cpu backends) stored as f32, bf16 or int8, or
   * `auto` (bf16 checkpoints as bf16; float32 ones on the tfjs path up to 1 GiB, else f32 in the
   * engine — see `resolveWeightStorage`). Left out: every weight is a
   * tfjs Variable (trainable, any backend) — today's path. On the node backends the engine is not
   * used: `auto`/`f32` load tfjs Variables there, and bf16/int8 are refused.
   */
  weights?: WeightsChoice;
}

/** Loads a Hugging Face model directory's config and weights (call `initBackend` first). */
export function loadModel(dir: string, options: LoadModelOptions = {}): Transformer {
  const config = loadModelConfig(dir);
  return loadTransformerWeights(config, dir, { storage: resolveWeightStorage(dir, options.weights, config) });
}

/**
 * The engine storage for `choice` on the active backend, or undefined for tfjs Variables.
 * `auto`: bf16 checkpoints stay bf16 in the engine (half of float32; tfjs would upcast them). A
 * float32 (or f16) checkpoint of at most `AUTO_TFJS_MAX_BYTES` stays on today's tfjs path, whose
 * XNNPACK GEMV measured ~1.4× faster than the engine's f32 kernel here (packages/core/README.md);
 * larger ones go to the engine as f32, since XNNPACK keeps a second, packed copy of every matrix.
 */
export function resolveWeightStorage(dir: string, choice: WeightsChoice | undefined, config?: ModelConfig): WeightStorage | undefined {
  if (choice === undefined) return undefined;
  if (!engineAvailable()) {
    if (choice === 'auto' || choice === 'f32') return undefined;
    throw new AligndialError(`--weights ${choice} needs the wasm or cpu backend (the ${tf.getBackend()} backend multiplies float32 tfjs tensors).`, {
      hint: 'Use --weights auto or f32 here, or --backend wasm.',
    });
  }
  if (choice !== 'auto') return choice;
  const storage = autoStorage(dir);
  if (storage === 'f32' && countParameters(config ?? loadModelConfig(dir)) * 4 <= AUTO_TFJS_MAX_BYTES) return undefined;
  return storage;
}

/** Float32 weights up to this size load as tfjs Variables under `--weights auto` (see `resolveWeightStorage`). */
export const AUTO_TFJS_MAX_BYTES = 1024 ** 3;

/** Defaults from `generation_config.json`, when the directory has one. */
export interface GenerationDefaults {
  bosTokenId?: number;
  eosTokenIds: number[];
  maxLength?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
}

/**
 * Reads `generation_config.json` (absent file → empty defaults, eos from config.json). Values are checked
 * where they are read, so a bad one names the file and field instead of failing at the first request.
 */
export function loadGenerationDefaults(dir: string, config?: ModelConfig): GenerationDefaults {
  const path = join(dir, 'generation_config.json');
  const raw = existsSync(path) ? readJsonFile(path, 'generation config') : {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new AligndialError(`${path}: expected a JSON object`);
  const json = raw as Record<string, unknown>;
  const field = (name: string, ok: (v: number) => boolean, range: string): number | undefined => {
    const v = json[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new AligndialError(`${path}: field "${name}" must be ${range}, got ${describeValue(v)}`);
    return v;
  };
  const { min, max } = REPETITION_PENALTY_RANGE;
  const temperature = field('temperature', (v) => v >= 0, 'a number ≥ 0');
  const topK = field('top_k', (v) => Number.isInteger(v) && v >= 0, 'a whole number ≥ 0');
  const eos = json.eos_token_id ?? config?.eosTokenId;
  const eosTokenIds = Array.isArray(eos) ? eos : typeof eos === 'number' ? [eos] : [];
  if (!eosTokenIds.every((id) => Number.isInteger(id) && id >= 0)) throw new AligndialError(`${path}: field "eos_token_id" must be a token id or a list of ids, got ${describeValue(eos)}`);
  return {
    bosTokenId: field('bos_token_id', (v) => Number.isInteger(v) && v >= 0, 'a token id') ?? config?.bosTokenId,
    eosTokenIds: eosTokenIds as number[],
    maxLength: field('max_length', (v) => Number.isInteger(v) && v > 0, 'a positive whole number'),
    // With do_sample true, transformers' GenerationConfig defaults apply to what the file leaves out
    // (temperature 1, top_k 50); without them a bare {"do_sample": true} would decode greedily here.
    temperature: json.do_sample === false ? 0 : (temperature ?? (json.do_sample === true ? 1 : undefined)),
    topK: topK ?? (json.do_sample === true ? 50 : undefined),
    topP: field('top_p', (v) => v > 0 && v <= 1, 'in (0, 1]'),
    repetitionPenalty: field('repetition_penalty', (v) => v >= min && v <= max, `between ${min} and ${max}`),
  };
}

/**
 * Saves a model as a Hugging Face directory: `config.json`, `model.safetensors`,
 * `generation_config.json` (each written atomically). Tokenizer files are saved separately.
 * The saved config counts every layer of `model.layers`.
 */
export function saveModel(model: Transformer, dir: string): void {
  mkdirSync(dir, { recursive: true });
  removeStaleTemps(dir); // temp files of an earlier save that was killed

  const config = { ...model.config, numLayers: model.layers.length };
  saveTransformerWeights(model, join(dir, 'model.safetensors'));
  writeJsonFile(join(dir, 'config.json'), toHfConfig(config));
  const generation: Record<string, unknown> = {};
  if (config.bosTokenId !== undefined) generation.bos_token_id = config.bosTokenId;
  if (config.eosTokenId !== undefined) generation.eos_token_id = config.eosTokenId;
  generation.max_length = config.maxPositionEmbeddings;
  writeJsonFile(join(dir, 'generation_config.json'), generation);
}
