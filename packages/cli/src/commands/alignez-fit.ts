import { type BackendName, modelFingerprint } from '@aligndial/core';
import { type AlignEzDiagnostics, type EmbedText, type Pooling, fitAlignEz, readPreferenceData, saveEdits } from '@aligndial/alignez';
import { type Command, Option } from 'commander';
import { type EngineFlags, addEngineFlags } from '../engine-flags.js';
import { loadPretrained } from '../load-pretrained.js';
import { addBackendFlag, addDeprecatedFlag, addJsonFlag, printResult } from '../flag-vocabulary.js';
import { intOption, numberOption } from '../option-parsers.js';
import { createProgress } from '../progress.js';

export interface AlignezFitOptions {
  model: string;
  data: string;
  out: string;
  layers: number;
  k: number;
  global?: boolean;
  pooling: Pooling;
  embedText: EmbedText;
  maxPairCosine: number;
  batchSize: number;
  maxTokens: number;
  backend?: BackendName | 'auto';
  /** `--weights` / `--threads` (see engine-flags.ts). */
  weights?: EngineFlags['weights'];
  threads?: number;
  progress?: boolean;
}

/** The summary `alignez fit` prints (one JSON line). */
export interface AlignezFitSummary {
  out: string;
  mode: 'knn' | 'global';
  layers: number[];
  k: number;
  pairs: number;
  kept: number;
  droppedNearDuplicate: number;
  droppedEmpty: number;
  helpHarmCosine: number[];
  /**
   * Per layer of the model (index = layer): cos(θ_help, θ_harm) (paper Fig. 4c), cos(θ_help, mean Φ_help),
   * the cross-fitted projection of held-out helpful vs harmful samples on θ_help (means, effect size, pair
   * accuracy), the same on the contrastive direction mean(Φ_help − Φ_harm) (does Φ hold the preference at all?),
   * and the α = 1 edit's size relative to the MLP output.
   */
  diagnostics?: {
    layer: number;
    edited: boolean;
    helpHarmCosine: number;
    helpMeanCosine: number;
    heldOutHelp?: number;
    heldOutHarm?: number;
    heldOutEffectSize?: number;
    heldOutPairAccuracy?: number;
    contrastEffectSize?: number;
    contrastPairAccuracy?: number;
    editScale: number;
  }[];
  seconds: number;
}

/** What the flags of `alignez fit` parse to (flag names follow docs/cli.md). */
type AlignezFitFlags = Omit<AlignezFitOptions, 'layers' | 'maxTokens'> & { editLayers: number; maxLength: number; json?: boolean };

export function registerAlignezFitCommand(alignez: Command): void {
  const command = alignez
    .command('fit')
    .description('Fit AlignEZ directions (θ_help, θ_harm per layer, k-NN bank, layer selection) from self-generated preference data.')
    .requiredOption('--model <dir>', 'model directory the edits are for')
    .requiredOption('--data <file>', 'preference data from `alignez generate-data`')
    .requiredOption('--out <dir>', 'output directory (edits.json + edits.safetensors)')
    .option('--edit-layers <n>', 'number of layers to edit (chosen by summed cosine agreement)', intOption(1), 5)
    .option('--k <n>', 'nearest training queries per query (k-NN mode, including itself)', intOption(1), 10)
    .option('--global', 'one pair of directions from all data instead of per-query k-NN directions')
    .addOption(new Option('--pooling <how>', 'Φ_l: MLP output at the last token, or mean over tokens').choices(['last', 'mean']).default('last'))
    .addOption(new Option('--embed-text <what>', 'what Φ embeds of each sample').choices(['response', 'query-response']).default('response'))
    .option('--max-pair-cosine <c>', 'drop pairs whose helpful/harmful embeddings have a cosine above this (1 keeps all)', numberOption(-1, 1), 0.8)
    .option('--batch-size <n>', 'texts per forward pass', intOption(1, 100_000), 8)
    .option('--max-length <n>', 'longest sequence in tokens (longer ones keep their end)', intOption(2), 512);
  addBackendFlag(command);
  addEngineFlags(command);
  addJsonFlag(command);
  addDeprecatedFlag(command, { old: '--layers', replacement: '--edit-layers' });
  addDeprecatedFlag(command, { old: '--max-tokens', replacement: '--max-length' });
  command
    .addHelpText('after', '\nExample:\n  aligndial alignez generate-data --model DIR --queries prompts.jsonl --out self-prefs.jsonl\n  aligndial alignez fit --model DIR --data self-prefs.jsonl --out ./edits --edit-layers 2 --k 3\n  aligndial generate --model DIR --prompt "How do I bake bread?" --edits ./edits --edit-strength 1')
    .action(async (options: AlignezFitFlags) => {
      const summary = await runAlignezFit({ ...options, layers: options.editLayers, maxTokens: options.maxLength });
      printResult(options.json, summary, (s) =>
        `AlignEZ edits (${s.mode}${s.mode === 'knn' ? `, k ${s.k}` : ''}) on layers ${s.layers.join(', ')} in ${s.out}: ${s.kept} of ${s.pairs} pairs kept ` +
        `(${s.droppedNearDuplicate} near-duplicate, ${s.droppedEmpty} empty dropped), ${s.seconds} s` +
        (s.diagnostics ?? []).map((d) => `\nlayer ${d.layer}${d.edited ? ' (edited)' : ''}: help/harm cosine ${d.helpHarmCosine.toFixed(3)}, edit scale ${d.editScale.toFixed(3)}`).join(''));
    });
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** The fit's diagnostics as one row per layer (see {@link AlignezFitSummary.diagnostics}). */
export function diagnosticsRows(d: AlignEzDiagnostics, edited: readonly number[]): NonNullable<AlignezFitSummary['diagnostics']> {
  return d.helpHarmCosine.map((c, l) => ({
    layer: l,
    edited: edited.includes(l),
    helpHarmCosine: r4(c),
    helpMeanCosine: r4(d.helpMeanCosine[l]),
    ...(d.heldOut[l]
      ? { heldOutHelp: r4(d.heldOut[l].help), heldOutHarm: r4(d.heldOut[l].harm), heldOutEffectSize: r4(d.heldOut[l].effectSize), heldOutPairAccuracy: r4(d.heldOut[l].pairAccuracy) }
      : {}),
    ...(d.contrastHeldOut?.[l] ? { contrastEffectSize: r4(d.contrastHeldOut[l].effectSize), contrastPairAccuracy: r4(d.contrastHeldOut[l].pairAccuracy) } : {}),
    editScale: r4(d.editScale[l]),
  }));
}

export async function runAlignezFit(options: AlignezFitOptions, stderr: NodeJS.WritableStream = process.stderr): Promise<AlignezFitSummary> {
  const start = performance.now();
  const { records, header } = readPreferenceData(options.data);
  const { model, tokenizer } = await loadPretrained(options.model, options.backend, options);
  try {
    if (header.settings.model?.fingerprint && header.settings.model.fingerprint !== modelFingerprint(model).fingerprint) {
      stderr.write(`aligndial: note: ${options.data} was generated by another model; fitting on ${options.model}\n`);
    }
    const progress = options.progress === false ? undefined : createProgress('embed', 3 * records.length);
    let edits;
    try {
      edits = fitAlignEz({
        model,
        tokenizer,
        records,
        layers: options.layers,
        k: options.k,
        mode: options.global ? 'global' : 'knn',
        pooling: options.pooling,
        embedText: options.embedText,
        maxPairCosine: options.maxPairCosine,
        batchSize: options.batchSize,
        maxTokens: options.maxTokens,
        data: { file: options.data, settings: header.settings },
        onProgress: (done) => progress?.update(done),
      });
    } finally {
      progress?.stop();
    }
    saveEdits(options.out, edits);
    const a = edits.manifest.alignez!;
    return {
      out: options.out,
      mode: a.mode,
      layers: edits.layers,
      k: a.k,
      pairs: a.pairs.total,
      kept: a.pairs.kept,
      droppedNearDuplicate: a.pairs.droppedNearDuplicate.length,
      droppedEmpty: a.pairs.droppedEmpty.length,
      helpHarmCosine: a.helpHarmCosine.map((c) => Math.round(c * 1e4) / 1e4),
      diagnostics: a.diagnostics && diagnosticsRows(a.diagnostics, edits.layers),
      seconds: Math.round((performance.now() - start) / 10) / 100,
    };
  } finally {
    model.dispose();
  }
}
