import { AligndialError, type Tokenizer, type Transformer, cutText } from '@aligndial/core';
import { type Pooling, embedTokenIds } from './embed.js';
import type { AlignEzEdits, AlignEzMode, EditsManifest, EmbedText } from './edits-types.js';
import { modelFingerprint } from '@aligndial/core';
import { normalizeLayers } from './knn.js';
import { selectLayers } from './layer-selection.js';
import { topSingularVector } from './power-iteration.js';
import type { PreferenceDataSettings, PreferenceRecord } from './preference-data.js';
import type { PreferenceTemplates } from './templates.js';
import { cosine } from './vector-math.js';
import { alignEzDiagnostics } from './diagnostics.js';

export interface FitAlignEzOptions {
  model: Transformer;
  tokenizer: Tokenizer;
  records: readonly PreferenceRecord[];
  /** How many layers to edit (default 5, the paper's L). */
  layers?: number;
  /** Neighbours per query in knn mode (default 10, including the query itself). */
  k?: number;
  /** Default `knn`. */
  mode?: AlignEzMode;
  pooling?: Pooling;
  embedText?: EmbedText;
  /** Drop pairs whose helpful and harmful embeddings have cosine above this (mean over layers; default 0.8). */
  maxPairCosine?: number;
  batchSize?: number;
  maxTokens?: number;
  /** Recorded in the manifest. */
  templates?: PreferenceTemplates;
  data?: { file?: string; settings?: PreferenceDataSettings };
  onProgress?: (done: number, total: number) => void;
}

/** Text embedded for one side of a pair. */
export function sampleText(record: PreferenceRecord, side: 'helpful' | 'harmful', embedText: EmbedText): string {
  return embedText === 'response' ? record[side] : `${record.query}\n${record[side]}`;
}

/**
 * Fits AlignEZ (Sec. 2.2–2.4, Alg. 1, A.3) on self-generated preference pairs:
 * 1. Φ_l of every query, helpful and harmful sample at every layer (one forward pass per text);
 * 2. drops pairs with no tokens, or whose helpful/harmful embeddings are near duplicates
 *    (mean-over-layers cosine > maxPairCosine);
 * 3. global θ_help,l / θ_harm,l = top right singular vectors (power iteration; sign: each side projects positively);
 * 4. keeps the `layers` layers whose θ_help agrees most (summed cosine) with the other layers;
 * 5. in knn mode, keeps the kept pairs' embeddings at those layers for per-query directions;
 * 6. records diagnostics for every layer (manifest `alignez.diagnostics`, see {@link alignEzDiagnostics}).
 */
export function fitAlignEz(options: FitAlignEzOptions): AlignEzEdits {
  const { model, tokenizer, records } = options;
  const layerCount = options.layers ?? 5;
  const mode = options.mode ?? 'knn';
  const pooling = options.pooling ?? 'last';
  const embedText = options.embedText ?? 'response';
  const maxPairCosine = options.maxPairCosine ?? 0.8;
  const maxTokens = Math.min(options.maxTokens ?? 512, model.config.maxPositionEmbeddings);
  if (mode !== 'knn' && mode !== 'global') throw new AligndialError(`mode must be "knn" or "global", got "${String(mode)}"`);
  if (embedText !== 'response' && embedText !== 'query-response') throw new AligndialError(`embedText must be "response" or "query-response", got "${String(embedText)}"`);
  if (!Number.isInteger(layerCount) || layerCount < 1) throw new AligndialError(`layers must be a whole number ≥ 1, got ${layerCount}`);
  const kRequested = options.k ?? 10;
  if (!Number.isInteger(kRequested) || kRequested < 1) throw new AligndialError(`k must be a whole number ≥ 1, got ${kRequested}`);
  if (!(maxPairCosine > -1 && maxPairCosine <= 1)) throw new AligndialError(`maxPairCosine must be in (−1, 1], got ${maxPairCosine}`);
  if (records.length === 0) throw new AligndialError('no preference pairs to fit on');

  // Encode; pairs with an empty side cannot be embedded.
  const droppedEmpty: string[] = [];
  const usable: { record: PreferenceRecord; query: number[]; help: number[]; harm: number[] }[] = [];
  // Embeddings keep a text's last maxTokens − 1 tokens: cut by characters first so huge texts cost nothing extra.
  const encode = (text: string) => tokenizer.encode(cutText(text, tokenizer.charBudget(maxTokens), 'end'));
  for (const record of records) {
    const query = encode(record.query);
    const help = encode(sampleText(record, 'helpful', embedText));
    const harm = encode(sampleText(record, 'harmful', embedText));
    if (query.length === 0 || help.length === 0 || harm.length === 0) droppedEmpty.push(record.id);
    else usable.push({ record, query, help, harm });
  }
  const L = model.config.numLayers;
  const sequences = usable.flatMap((u) => [u.query, u.help, u.harm]);
  const phi = embedTokenIds(model, sequences, { pooling, batchSize: options.batchSize, maxTokens, onProgress: options.onProgress });

  const droppedNearDuplicate: string[] = [];
  const kept: { id: string; query: Float32Array[]; help: Float32Array[]; harm: Float32Array[] }[] = [];
  usable.forEach((u, i) => {
    const [query, help, harm] = [phi[3 * i], phi[3 * i + 1], phi[3 * i + 2]];
    let c = 0;
    for (let l = 0; l < L; l++) c += cosine(help[l], harm[l]);
    if (c / L > maxPairCosine) droppedNearDuplicate.push(u.record.id);
    else kept.push({ id: u.record.id, query, help, harm });
  });
  if (kept.length === 0) {
    throw new AligndialError(
      `all ${records.length} preference pairs were dropped (${droppedEmpty.length} empty, ${droppedNearDuplicate.length} with helpful/harmful cosine > ${maxPairCosine})`,
      { hint: 'Generate longer or more varied answers, or raise --max-pair-cosine (1 keeps every pair).' },
    );
  }

  const helpFits = Array.from({ length: L }, (_, l) => topSingularVector(kept.map((p) => p.help[l])));
  const harmFits = Array.from({ length: L }, (_, l) => topSingularVector(kept.map((p) => p.harm[l])));
  const selection = selectLayers(
    helpFits.map((f) => f.vector),
    layerCount,
  );
  const layers = selection.layers;
  const k = Math.min(kRequested, kept.length);
  const manifest: EditsManifest = {
    format: 'aligndial.edits',
    version: 1,
    method: 'alignez',
    createdAt: new Date().toISOString(),
    model: modelFingerprint(model),
    layers,
    hiddenSize: model.config.hiddenSize,
    pooling,
    maxTokens,
    alignez: {
      mode,
      k,
      layerCount,
      embedText,
      maxPairCosine,
      pairs: { total: records.length, kept: kept.length, droppedNearDuplicate, droppedEmpty },
      templates: options.templates ?? options.data?.settings?.templates,
      data: options.data,
      layerScores: selection.scores,
      helpHarmCosine: layers.map((l) => cosine(helpFits[l].vector, harmFits[l].vector)),
      helpSingularValue: layers.map((l) => helpFits[l].singularValue),
      harmSingularValue: layers.map((l) => harmFits[l].singularValue),
      diagnostics: alignEzDiagnostics(
        { help: kept.map((p) => p.help), harm: kept.map((p) => p.harm) },
        { help: helpFits.map((f) => f.vector), harm: harmFits.map((f) => f.vector) },
      ),
    },
  };
  const edits: AlignEzEdits = {
    method: 'alignez',
    manifest,
    layers,
    help: layers.map((l) => helpFits[l].vector),
    harm: layers.map((l) => harmFits[l].vector),
  };
  if (mode === 'knn') {
    manifest.knnIds = kept.map((p) => p.id);
    edits.knn = {
      k,
      ids: kept.map((p) => p.id),
      queries: kept.map((p) => normalizeLayers(layers.map((l) => p.query[l]))),
      help: kept.map((p) => layers.map((l) => p.help[l])),
      harm: kept.map((p) => layers.map((l) => p.harm[l])),
    };
  }
  return edits;
}
