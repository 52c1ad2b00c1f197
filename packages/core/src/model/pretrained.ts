import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AligndialError } from '../errors.js';
import { removeStaleTemps } from '../io/stale-temps.js';
import { REPETITION_PENALTY_RANGE } from '../generation/sampling.js';
import { describeValue } from '../util/describe-value.js';
import { readJsonFile, writeJsonFile } from '../util/json-file.js';
import { type ModelConfig, parseModelConfig, toHfConfig } from './config.js';
import type { Transformer } from './transformer.js';
import { loadTransformerWeights, saveTransformerWeights } from './weights-io.js';

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

/** Loads a Hugging Face model directory's config and weights (call `initBackend` first). */
export function loadModel(dir: string): Transformer {
  return loadTransformerWeights(loadModelConfig(dir), dir);
}

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
