import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  AligndialError,
  SafetensorsReader,
  type Transformer,
  assertFileMatchesManifest,
  assertRegularFile,
  encodeSafetensors,
  readJsonFile,
  sha256Chunks,
  writeFilesAtomic,
} from '@aligndial/core';
import { parseEditsManifest } from './edits-manifest.js';
import type { AlignEzEdits, CaaEdits, Edits, EditsManifest } from './edits-types.js';
import { type ModelFingerprint, modelFingerprint } from '@aligndial/core';

export const EDITS_MANIFEST_FILE = 'edits.json';
export const EDITS_TENSORS_FILE = 'edits.safetensors';

function flatten(rows: readonly Float32Array[]): Float32Array {
  const D = rows[0]?.length ?? 0;
  const out = new Float32Array(rows.length * D);
  rows.forEach((r, i) => out.set(r, i * D));
  return out;
}

function flatten3(rows: readonly (readonly Float32Array[])[]): Float32Array {
  return flatten(rows.flat());
}

/**
 * Saves edits to `dir`: `edits.json` (the manifest: method, model fingerprint, layers, k, templates, …)
 * and `edits.safetensors` (F32): `help`/`harm` [layers, D] (AlignEZ, global), `knn.queries`,
 * `knn.help`, `knn.harm` [N, layers, D] (knn mode), `caa.vectors` [layers, D] (CAA). The manifest records the
 * tensors' sha256 and is written last; a new directory appears whole (see core's `writeFilesAtomic`).
 */
export function saveEdits(dir: string, edits: Edits): void {
  const L = edits.layers.length;
  const D = edits.manifest.hiddenSize;
  const tensors: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
  const manifest: EditsManifest = { ...edits.manifest, layers: [...edits.layers] };
  delete manifest.knnIds;
  if (edits.method === 'caa') tensors['caa.vectors'] = { dtype: 'F32', shape: [L, D], data: flatten(edits.vectors) };
  else {
    tensors.help = { dtype: 'F32', shape: [L, D], data: flatten(edits.help) };
    tensors.harm = { dtype: 'F32', shape: [L, D], data: flatten(edits.harm) };
    if (edits.knn) {
      const N = edits.knn.ids.length;
      tensors['knn.queries'] = { dtype: 'F32', shape: [N, L, D], data: flatten3(edits.knn.queries) };
      tensors['knn.help'] = { dtype: 'F32', shape: [N, L, D], data: flatten3(edits.knn.help) };
      tensors['knn.harm'] = { dtype: 'F32', shape: [N, L, D], data: flatten3(edits.knn.harm) };
      manifest.knnIds = [...edits.knn.ids];
    }
  }
  const encoded = encodeSafetensors(tensors, { format: 'aligndial.edits', method: edits.method });
  manifest.tensorsSha256 = sha256Chunks(encoded);
  writeFilesAtomic(dir, [
    { name: EDITS_TENSORS_FILE, data: encoded },
    { name: EDITS_MANIFEST_FILE, data: `${JSON.stringify(manifest, null, 2)}\n` },
  ]);
}

export interface LoadEditsOptions {
  /**
   * Accept a model whose shape matches but whose weights differ from the one the edits were fitted on
   * (e.g. a DPO or otherwise fine-tuned version of the same base). Default false: an error.
   * The same name as clm's `applyAdapter` option (and the CLI's `--allow-weights-mismatch`).
   */
  allowWeightsMismatch?: boolean;
  /** @deprecated Use `allowWeightsMismatch` (removed in the next release). */
  allowWeightMismatch?: boolean;
  /** Told about a tolerated weight mismatch. */
  onWarning?: (message: string) => void;
}

function describe(m: ModelFingerprint): string {
  return `${m.architecture}, hidden size ${m.hiddenSize}, ${m.numLayers} layers, vocab ${m.vocabSize}`;
}

/**
 * Checks that `model` is the one edits were fitted on. A different shape is always an error; different
 * weights are an error unless `allowWeightsMismatch`.
 */
export function checkModel(manifest: EditsManifest, model: Transformer, options: LoadEditsOptions = {}, source = 'edits'): void {
  const now = modelFingerprint(model);
  const was = manifest.model;
  if (now.configHash !== was.configHash) {
    throw new AligndialError(`${source} were fitted on a different model architecture (${describe(was)}) than this model (${describe(now)})`, {
      hint: 'Fit the edits on this model with `aligndial alignez fit --model DIR`.',
    });
  }
  if (now.weightsHash !== was.weightsHash) {
    const message = `${source} were fitted on a model with other weights (fingerprint ${was.fingerprint.slice(0, 12)}…, this model ${now.fingerprint.slice(0, 12)}…)`;
    if (!(options.allowWeightsMismatch ?? options.allowWeightMismatch)) {
      throw new AligndialError(message, {
        hint: 'Fit the edits on this model, or allow the mismatch (allowWeightsMismatch; CLI: --allow-weights-mismatch) to apply them to a fine-tuned version of the same base model.',
      });
    }
    options.onWarning?.(`${message}; applying them anyway`);
  }
}

function rows(data: Float32Array, count: number, D: number): Float32Array[] {
  return Array.from({ length: count }, (_, i) => data.slice(i * D, (i + 1) * D));
}

/**
 * Loads edits saved by {@link saveEdits}. With `model`, checks it against the manifest's fingerprint
 * (see {@link checkModel}). Errors name the file and the field or tensor.
 */
export function loadEdits(dir: string, model?: Transformer, options: LoadEditsOptions = {}): Edits {
  if (!existsSync(dir)) throw new AligndialError(`${dir}: edits directory not found`);
  if (!statSync(dir).isDirectory()) throw new AligndialError(`${dir}: expected an edits directory (edits.json + edits.safetensors), found a file`);
  const manifestPath = join(dir, EDITS_MANIFEST_FILE);
  const raw = parseEditsManifest(readJsonFile(manifestPath, 'edits manifest'), manifestPath);
  if (model) checkModel(raw, model, options, dir);
  const manifest = raw;
  const knnIds = raw.knnIds;
  const L = manifest.layers.length;
  const D = manifest.hiddenSize;
  const tensorsPath = join(dir, EDITS_TENSORS_FILE);
  assertRegularFile(tensorsPath, 'edits tensors file');
  if (manifest.tensorsSha256 !== undefined) {
    assertFileMatchesManifest(tensorsPath, manifest.tensorsSha256, EDITS_MANIFEST_FILE, 'Fit the edits again (aligndial alignez fit / alignez caa).');
  }
  const reader = SafetensorsReader.open(tensorsPath);
  try {
    const read = (name: string, shape: number[]): Float32Array => {
      if (!reader.has(name)) throw new AligndialError(`${tensorsPath}: tensor "${name}" is missing`);
      const info = reader.info(name);
      if (info.shape.join(',') !== shape.join(',')) throw new AligndialError(`${tensorsPath}: tensor "${name}" has shape [${info.shape.join(', ')}], expected [${shape.join(', ')}]`);
      return reader.readFloat32(name);
    };
    if (manifest.method === 'caa') {
      const edits: CaaEdits = { method: 'caa', manifest, layers: [...manifest.layers], vectors: rows(read('caa.vectors', [L, D]), L, D) };
      return edits;
    }
    const edits: AlignEzEdits = {
      method: 'alignez',
      manifest,
      layers: [...manifest.layers],
      help: rows(read('help', [L, D]), L, D),
      harm: rows(read('harm', [L, D]), L, D),
    };
    if (manifest.alignez?.mode === 'knn') {
      const N = (knnIds as string[]).length;
      const group = (data: Float32Array) => Array.from({ length: N }, (_, i) => rows(data.subarray(i * L * D, (i + 1) * L * D), L, D));
      edits.knn = {
        k: manifest.alignez.k,
        ids: [...(knnIds as string[])],
        queries: group(read('knn.queries', [N, L, D])),
        help: group(read('knn.help', [N, L, D])),
        harm: group(read('knn.harm', [N, L, D])),
      };
    }
    return edits;
  } finally {
    reader.close();
  }
}
