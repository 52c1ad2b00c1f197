import type { AlignEzDiagnostics } from './diagnostics.js';
import type { Pooling } from './embed.js';
import type { ModelFingerprint } from '@aligndial/core';
import type { PreferenceDataSettings } from './preference-data.js';
import type { PreferenceTemplates } from './templates.js';

/** `knn`: directions per query from its k nearest training queries (the paper); `global`: one pair of directions from all data. */
export type AlignEzMode = 'knn' | 'global';

/** What the AlignEZ Φ_l embeds of a preference sample: the response alone (default, as the paper) or `{query}\n{response}`. */
export type EmbedText = 'response' | 'query-response';

/** The JSON manifest (`edits.json`) saved beside `edits.safetensors`. */
export interface EditsManifest {
  format: 'aligndial.edits';
  version: 1;
  method: 'alignez' | 'caa';
  createdAt: string;
  /** The model the edits were fitted on; `loadEdits` checks a model against it. */
  model: ModelFingerprint;
  /** Edited layers, ascending (indices into the base model's layers). */
  layers: number[];
  hiddenSize: number;
  pooling: Pooling;
  /** Longest text (tokens) embedded; query embeddings at inference use the same. */
  maxTokens: number;
  alignez?: {
    mode: AlignEzMode;
    /** Neighbours per query in knn mode (including the query itself when it is a training query). */
    k: number;
    /** Layers requested (the model may have fewer). */
    layerCount: number;
    embedText: EmbedText;
    maxPairCosine: number;
    pairs: { total: number; kept: number; droppedNearDuplicate: string[]; droppedEmpty: string[] };
    templates?: PreferenceTemplates;
    /** Settings of the self-generated data (from its header), when fitted from a data file. */
    data?: { file?: string; settings?: PreferenceDataSettings };
    /** Σ_m cos(θ_help,l, θ_help,m) for every layer l (layer selection, Sec. 2.4). */
    layerScores: number[];
    /** Per edited layer: cos(θ_help, θ_harm) and the top singular values of the global fit. */
    helpHarmCosine: number[];
    helpSingularValue: number[];
    harmSingularValue: number[];
    /** Per-layer diagnostics of the fit (every layer, index = layer); absent in edits fitted before they existed. */
    diagnostics?: AlignEzDiagnostics;
  };
  /** knn mode: training query ids, in the row order of the `knn.*` tensors. */
  knnIds?: string[];
  /**
   * sha256 (hex) of `edits.safetensors`, checked on load: tensors and manifest from two different saves
   * are refused. Absent in edits saved before it was recorded.
   */
  tensorsSha256?: string;
  caa?: {
    /** Preference pairs averaged. */
    pairs: number;
    source?: string;
    /** ‖v_l‖ per edited layer. */
    vectorNorms: number[];
  };
}

/** Training embeddings kept for sample-conditional (k-NN) directions at inference. */
export interface KnnBank {
  k: number;
  /** Training query ids, row order. */
  ids: string[];
  /** queries[i][j]: unit-length Φ at layers[j] of training query i (cosine = mean over the edited layers). */
  queries: Float32Array[][];
  /** help[i][j] / harm[i][j]: Φ at layers[j] of the helpful / harmful sample of pair i. */
  help: Float32Array[][];
  harm: Float32Array[][];
}

/** Fitted AlignEZ directions. help[j] / harm[j] belong to layers[j]; unit length, sign fixed. */
export interface AlignEzEdits {
  method: 'alignez';
  manifest: EditsManifest;
  layers: number[];
  /** Global θ_help / θ_harm (always present; used directly in global mode). */
  help: Float32Array[];
  harm: Float32Array[];
  /** Present in knn mode. */
  knn?: KnnBank;
}

/** A CAA steering vector per layer: mean(chosen − rejected) of the residual stream. */
export interface CaaEdits {
  method: 'caa';
  manifest: EditsManifest;
  layers: number[];
  vectors: Float32Array[];
}

export type Edits = AlignEzEdits | CaaEdits;

/** Directions for one query (or for all, in global mode). help[j] / harm[j] belong to layers[j]. */
export interface LayerDirections {
  layers: number[];
  help: Float32Array[];
  harm: Float32Array[];
  /** Training ids of the neighbours used (knn mode). */
  neighbours?: string[];
}
