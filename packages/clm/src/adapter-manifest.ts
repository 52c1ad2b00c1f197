import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AligndialError, MODEL_CONFIG_LIMITS, describeValue, readJsonFile } from '@aligndial/core';
import type { StructuralConfig } from '@aligndial/core';

/** `format` of every CLM adapter manifest. */
export const ADAPTER_FORMAT = 'aligndial-clm-adapter';
export const ADAPTER_FORMAT_VERSION = 1;
/** File names inside an adapter directory. */
export const ADAPTER_MANIFEST_FILE = 'adapter.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter.safetensors';

/**
 * `adapter.json`: what an adapter is and which base model it belongs to.
 * The weights (`adapter.safetensors`) hold the added layers under Hugging Face names `model.layers.{i}.*`,
 * i = 0..numAddedLayers − 1 (their place in front of the base stack).
 */
export interface AdapterManifest {
  format: typeof ADAPTER_FORMAT;
  formatVersion: number;
  /** Number of layers the adapter adds before the base model's layer 0. */
  numAddedLayers: number;
  /** The base layer the added layers were copied from (identity copy: o_proj and down_proj zeroed). */
  copiedLayer: number;
  base: {
    /** sha256 of the base config's structural fields (shape, norms, RoPE, biases). */
    configHash: string;
    /** sha256 of a strided sample of every base weight: tells same-shape checkpoints apart. */
    weightsFingerprint: string;
    /** The structural config itself, so a mismatch can name the field. */
    config: StructuralConfig;
    /** Where the base model was loaded from when the adapter was saved (informational). */
    source?: string;
  };
  /** The training run (loss, β, learning rate, steps, data, …); null for the untrained identity adapter. */
  training: Record<string, unknown> | null;
  createdAt: string;
  /**
   * sha256 (hex) of `adapter.safetensors`, checked on load: weights and manifest from two different saves
   * (a write killed between the two files) are refused. Absent in adapters saved before it was recorded.
   */
  weightsSha256?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads and validates `adapter.json`; errors name the file and the field. */
export function parseAdapterManifest(json: unknown, path: string): AdapterManifest {
  const bad = (field: string, problem: string) => new AligndialError(`${path}: field "${field}" ${problem}`);
  if (!isObject(json)) throw new AligndialError(`${path}: expected a JSON object`);
  if (json.format !== ADAPTER_FORMAT) {
    throw new AligndialError(`${path}: not a CLM adapter manifest (field "format" is ${describeValue(json.format)}, expected "${ADAPTER_FORMAT}")`, {
      hint: 'Create one with `aligndial clm expand` or `aligndial clm train`.',
    });
  }
  if (json.formatVersion !== ADAPTER_FORMAT_VERSION) {
    throw bad('formatVersion', `is ${describeValue(json.formatVersion)}; this aligndial reads version ${ADAPTER_FORMAT_VERSION}`);
  }
  // Bounded before anything loops over them (a hostile numAddedLayers: 1e9 would otherwise allocate until abort).
  const max = MODEL_CONFIG_LIMITS.num_hidden_layers;
  for (const field of ['numAddedLayers', 'copiedLayer'] as const) {
    const v = json[field];
    const min = field === 'numAddedLayers' ? 1 : 0;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw bad(field, `must be a whole number from ${min} to ${max}, got ${describeValue(v)}`);
    }
  }
  const base = json.base;
  if (!isObject(base)) throw bad('base', 'is missing or not an object');
  for (const field of ['configHash', 'weightsFingerprint'] as const) {
    if (typeof base[field] !== 'string' || !/^[0-9a-f]{64}$/.test(base[field] as string)) throw bad(`base.${field}`, 'must be a sha256 hex string');
  }
  if (!isObject(base.config)) throw bad('base.config', 'is missing or not an object');
  if (base.source !== undefined && typeof base.source !== 'string') throw bad('base.source', 'must be a string');
  if (json.training !== null && json.training !== undefined && !isObject(json.training)) throw bad('training', 'must be an object or null');
  if (json.weightsSha256 !== undefined && (typeof json.weightsSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(json.weightsSha256))) {
    throw bad('weightsSha256', 'must be a sha256 hex string');
  }

  return {
    format: ADAPTER_FORMAT,
    formatVersion: ADAPTER_FORMAT_VERSION,
    numAddedLayers: json.numAddedLayers as number,
    copiedLayer: json.copiedLayer as number,
    base: {
      configHash: base.configHash as string,
      weightsFingerprint: base.weightsFingerprint as string,
      config: base.config as unknown as StructuralConfig,
      source: base.source as string | undefined,
    },
    training: (json.training as Record<string, unknown> | undefined) ?? null,
    createdAt: typeof json.createdAt === 'string' ? json.createdAt : '',
    ...(json.weightsSha256 !== undefined ? { weightsSha256: json.weightsSha256 as string } : {}),
  };
}

/** Reads `{dir}/adapter.json`. */
export function readAdapterManifest(dir: string): AdapterManifest {
  assertAdapterDir(dir);
  const path = join(dir, ADAPTER_MANIFEST_FILE);
  return parseAdapterManifest(readJsonFile(path, 'CLM adapter manifest'), path);
}

/** Checks that `dir` is an existing directory holding an adapter; the error says what belongs there. */
export function assertAdapterDir(dir: string): void {
  const hint = `An adapter directory holds ${ADAPTER_MANIFEST_FILE} and ${ADAPTER_WEIGHTS_FILE}; create one with \`aligndial clm expand\` or \`aligndial clm train\`.`;
  if (!existsSync(dir)) throw new AligndialError(`${dir}: adapter directory not found`, { hint });
  if (!statSync(dir).isDirectory()) throw new AligndialError(`${dir}: expected an adapter directory, found a file`, { hint });
}
