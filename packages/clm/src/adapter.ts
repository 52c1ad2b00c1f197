import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AligndialError,
  STRUCTURAL_CONFIG_FIELDS,
  assertFileMatchesManifest,
  describeValue,
  SafetensorsReader,
  type LoadModelOptions,
  type TensorToWrite,
  type Transformer,
  buildLayer,
  configHash,
  expectedHfTensors,
  layerToHfTensors,
  loadModel,
  saveModel,
  structuralConfig,
  weightsHash,
  encodeSafetensors,
  sha256Chunks,
  writeFileAtomic,
  writeFilesAtomic,
} from '@aligndial/core';
import {
  ADAPTER_FORMAT,
  ADAPTER_FORMAT_VERSION,
  ADAPTER_MANIFEST_FILE,
  ADAPTER_WEIGHTS_FILE,
  type AdapterManifest,
  readAdapterManifest,
} from './adapter-manifest.js';
import { ClmModel } from './clm-model.js';
import { type ExpansionOptions, createIdentityLayers } from './expand.js';

/**
 * Expands a base model into a CLM (paper Sec. 4.1): `layers` identity copies of base layer `copyLayer`
 * (default 1 copy of layer 0) go in front of layer 0. Right after expansion the model's output at every λ
 * equals the base model's. The base Transformer is adopted (its `layers` array now starts with the added layers).
 */
export function expandModel(base: Transformer, options: ExpansionOptions = {}): ClmModel {
  const added = createIdentityLayers(base, options);
  return new ClmModel(base, added, { copiedLayer: options.copyLayer ?? 0 });
}

/** Options of {@link saveAdapter}. */
export interface SaveAdapterOptions {
  /** Where the base model came from (recorded as `base.source`). */
  baseSource?: string;
  /** Training record to store (default: `clm.origin.training`). */
  training?: Record<string, unknown>;
}

/** The manifest that {@link saveAdapter} would write for this CLM (`weightsSha256` is filled in when saving). */
export function adapterManifest(clm: ClmModel, options: SaveAdapterOptions = {}): AdapterManifest {
  return {
    format: ADAPTER_FORMAT,
    formatVersion: ADAPTER_FORMAT_VERSION,
    numAddedLayers: clm.numAdded,
    copiedLayer: clm.origin.copiedLayer,
    base: {
      configHash: configHash(clm.config),
      weightsFingerprint: weightsHash(clm.model),
      config: structuralConfig(clm.config),
      ...(options.baseSource !== undefined ? { source: options.baseSource } : {}),
    },
    training: options.training ?? clm.origin.training ?? null,
    createdAt: new Date().toISOString(),
  };
}

/**
 * Saves the added layers alone: `adapter.safetensors` (F32, Hugging Face names `model.layers.{i}.*`) and
 * the `adapter.json` manifest, which records the weights' sha256. A new directory appears complete or not
 * at all; in an existing one (a training run's, beside checkpoints) each file is replaced atomically,
 * manifest last, and the hash makes the loader refuse a pair from two different saves.
 */
export function saveAdapter(clm: ClmModel, dir: string, options: SaveAdapterOptions = {}): AdapterManifest {
  const tensors: Record<string, TensorToWrite> = {};
  clm.addedLayers.forEach((layer, i) => Object.assign(tensors, layerToHfTensors(clm.config, layer, `model.layers.${i}.`)));
  const weights = encodeSafetensors(tensors, { format: 'pt', aligndial: ADAPTER_FORMAT });
  const manifest: AdapterManifest = { ...adapterManifest(clm, options), weightsSha256: sha256Chunks(weights) };
  writeFilesAtomic(dir, [
    { name: ADAPTER_WEIGHTS_FILE, data: weights },
    { name: ADAPTER_MANIFEST_FILE, data: `${JSON.stringify(manifest, null, 2)}\n` },
  ]);
  return manifest;
}

/** Options of {@link applyAdapter} and {@link loadClmModel}. */
export interface ApplyAdapterOptions {
  /**
   * Load the adapter onto a base of the right shape whose weights differ from the one it was made for
   * (e.g. a re-quantised copy). Off by default: an adapter trained on other weights is silently wrong.
   */
  allowWeightsMismatch?: boolean;
}

/** The error for an adapter whose base config differs from the model's; names every differing field. */
function configMismatch(dir: string, manifest: AdapterManifest, base: Transformer): AligndialError {
  const here = structuralConfig(base.config) as Record<string, unknown>;
  const there = manifest.base.config as Record<string, unknown>;
  // describeValue, not JSON.stringify: the manifest's values may be hostile (50k-deep arrays).
  const differing = STRUCTURAL_CONFIG_FIELDS.filter((f) => describeValue(here[f], 500) !== describeValue(there[f], 500)).map(
    (f) => `${f}: adapter ${describeValue(there[f])}, model ${describeValue(here[f])}`,
  );
  return new AligndialError(
    `${join(dir, ADAPTER_MANIFEST_FILE)}: this adapter was made for a different base model (${differing.length > 0 ? differing.join('; ') : 'config hash differs'})`,
    { hint: `Load it onto the model it was created from${manifest.base.source ? ` (${manifest.base.source})` : ''}.` },
  );
}

/**
 * Puts a saved adapter's layers in front of `base`'s layer 0 and returns the CLM (the base is adopted).
 * Checks first that the adapter was made for this model: same structural config, same weights fingerprint.
 * @throws AligndialError naming the mismatching field, or the adapter file and tensor that is missing or misshapen.
 */
export function applyAdapter(base: Transformer, dir: string, options: ApplyAdapterOptions = {}): ClmModel {
  return applyReadAdapter(base, dir, readAdapterManifest(dir), options);
}

function applyReadAdapter(base: Transformer, dir: string, manifest: AdapterManifest, options: ApplyAdapterOptions): ClmModel {
  if (manifest.base.configHash !== configHash(base.config)) throw configMismatch(dir, manifest, base);
  const fingerprint = weightsHash(base);
  if (fingerprint !== manifest.base.weightsFingerprint && !options.allowWeightsMismatch) {
    throw new AligndialError(
      `${join(dir, ADAPTER_MANIFEST_FILE)}: this adapter was made for other weights of the same shape (base weights fingerprint ${manifest.base.weightsFingerprint.slice(0, 12)}…, this model ${fingerprint.slice(0, 12)}…)`,
      {
        hint: `Load it onto the checkpoint it was trained on${manifest.base.source ? ` (${manifest.base.source})` : ''}; to force it onto these weights anyway, use allowWeightsMismatch (CLI: --allow-weights-mismatch).`,
      },
    );
  }
  const file = join(dir, ADAPTER_WEIGHTS_FILE);
  const n = manifest.numAddedLayers;
  if (manifest.copiedLayer >= base.config.numLayers) {
    throw new AligndialError(
      `${join(dir, ADAPTER_MANIFEST_FILE)}: field "copiedLayer" is ${manifest.copiedLayer}, but the base model has ${base.config.numLayers} layers (0–${base.config.numLayers - 1})`,
    );
  }
  if (manifest.weightsSha256 !== undefined) {
    assertFileMatchesManifest(file, manifest.weightsSha256, ADAPTER_MANIFEST_FILE, 'Save the adapter again (aligndial clm train / clm expand).');
  }
  const reader = SafetensorsReader.open(file);
  try {
    const expected = new Map(
      expectedHfTensors({ ...base.config, numLayers: n })
        .filter((s) => s.name.startsWith('model.layers.'))
        .map((s) => [s.name, s.shape]),
    );
    const unexpected = reader.names().filter((name) => !expected.has(name));
    if (unexpected.length > 0) {
      throw new AligndialError(
        `${file}: unexpected tensor${unexpected.length > 1 ? 's' : ''} ${unexpected.slice(0, 3).map((t) => `"${t}"`).join(', ')} (adapter.json declares ${n} added layer${n > 1 ? 's' : ''})`,
      );
    }
    // Every tensor is expected (checked above), so a short count means missing layers: fail before building any.
    const perLayer = expectedHfTensors({ ...base.config, numLayers: 1 }).filter((s) => s.name.startsWith('model.layers.')).length;
    if (reader.names().length !== n * perLayer) {
      const missing = [...expected.keys()].find((name) => !reader.has(name));
      throw new AligndialError(
        `${file}: tensor "${missing}" is missing (adapter.json declares ${n} added layer${n > 1 ? 's' : ''}: ${n * perLayer} tensors for this base model; the file holds ${reader.names().length})`,
      );
    }
    const read = (name: string, shape: number[]): Float32Array => {
      if (!reader.has(name)) throw new AligndialError(`${file}: tensor "${name}" is missing (adapter.json declares ${n} added layer${n > 1 ? 's' : ''})`);
      const actual = reader.info(name).shape;
      if (actual.length !== shape.length || actual.some((d, i) => d !== shape[i])) {
        throw new AligndialError(`${file}: tensor "${name}" has shape [${actual.join(', ')}]; the base model implies [${shape.join(', ')}]`);
      }
      return reader.readFloat32(name);
    };
    const layers = [];
    try {
      for (let i = 0; i < n; i++) layers.push(buildLayer(base.config, read, `model.layers.${i}.`));
    } catch (error) {
      for (const layer of layers) for (const [, v] of layer.parameters()) v.dispose();
      throw error;
    }
    return new ClmModel(base, layers, { copiedLayer: manifest.copiedLayer, training: manifest.training ?? undefined });
  } finally {
    reader.close();
  }
}

/**
 * Loads a base model directory and an adapter onto it: the CLM that `aligndial generate --adapter` runs.
 * Call `initBackend` first.
 */
export function loadClmModel(modelDir: string, adapterDir: string, options: ApplyAdapterOptions & LoadModelOptions = {}): ClmModel {
  const manifest = readAdapterManifest(adapterDir); // a bad adapter directory fails before the (large) base model is read
  const base = loadModel(modelDir, options.weights === undefined ? {} : { weights: options.weights });
  try {
    return applyReadAdapter(base, adapterDir, manifest, options);
  } catch (error) {
    base.dispose();
    throw error;
  }
}

/** Tokenizer and generation files copied from the base model directory into an export. */
export const COPIED_MODEL_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'chat_template.jinja',
  'chat_template.json',
  'tokenizer.model',
  'added_tokens.json',
  'vocab.json',
  'merges.txt',
  'generation_config.json',
] as const;

/**
 * Writes the CLM at λ = 1 as a plain Hugging Face checkpoint (config.json with base + added layers,
 * model.safetensors): any Llama/Qwen2/Mistral loader runs it with the aligned path baked in.
 * With `modelDir`, its tokenizer and generation files are copied beside it.
 */
export function exportMergedModel(clm: ClmModel, outDir: string, options: { modelDir?: string } = {}): void {
  saveModel(clm.model, outDir);
  if (!options.modelDir) return;
  for (const name of COPIED_MODEL_FILES) {
    const source = join(options.modelDir, name);
    if (existsSync(source)) writeFileAtomic(join(outDir, name), readFileSync(source));
  }
}
