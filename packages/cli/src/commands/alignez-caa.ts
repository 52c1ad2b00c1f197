import type { BackendName } from '@aligndial/core';
import { type Pooling, fitCaa, readPreferencePairs, saveEdits } from '@aligndial/alignez';
import { type Command, Option } from 'commander';
import { type EngineFlags, addEngineFlags } from '../engine-flags.js';
import { loadPretrained } from '../load-pretrained.js';
import { addBackendFlag, addDeprecatedFlag, addJsonFlag, printResult } from '../flag-vocabulary.js';
import { intOption } from '../option-parsers.js';
import { createProgress } from '../progress.js';

export interface AlignezCaaOptions {
  model: string;
  data: string;
  out: string;
  layer?: number[];
  limit?: number;
  pooling: Pooling;
  batchSize: number;
  maxTokens: number;
  backend?: BackendName | 'auto';
  /** `--weights` / `--threads` (see engine-flags.ts). */
  weights?: EngineFlags['weights'];
  threads?: number;
  progress?: boolean;
}

export interface AlignezCaaSummary {
  out: string;
  layers: number[];
  pairs: number;
  vectorNorms: number[];
  seconds: number;
}

/** What the flags of `alignez caa` parse to (flag names follow docs/cli.md). */
type AlignezCaaFlags = Omit<AlignezCaaOptions, 'layer' | 'limit' | 'maxTokens'> & { editLayerIndex?: number[]; maxSamples?: number; maxLength: number; json?: boolean };

export function registerAlignezCaaCommand(alignez: Command): void {
  const command = alignez
    .command('caa')
    .description('CAA baseline: steering vectors = mean(chosen − rejected) residual activation, from a ground-truth preference file (ShareGPT layout).')
    .requiredOption('--model <dir>', 'model directory')
    .requiredOption('--data <file>', 'preference pairs: JSON list of {conversations, chosen, rejected} (e.g. dpo_en_demo.json)')
    .requiredOption('--out <dir>', 'output directory (edits.json + edits.safetensors; apply with generate --edits)')
    .option('--edit-layer-index <i...>', 'index of each layer to steer (default ⌊0.4 · layers⌋)', (v: string, prev: number[] | undefined) => [...(prev ?? []), intOption(0)(v)])
    .option('--max-samples <n>', 'use at most the first N samples', intOption(1))
    .addOption(new Option('--pooling <how>', 'activation at the last token, or mean over tokens').choices(['last', 'mean']).default('last'))
    .option('--batch-size <n>', 'sequences per forward pass', intOption(1, 100_000), 8)
    .option('--max-length <n>', 'longest sequence in tokens (longer ones keep their end)', intOption(2), 512);
  addBackendFlag(command);
  addEngineFlags(command);
  addJsonFlag(command);
  addDeprecatedFlag(command, { old: '--layer', replacement: '--edit-layer-index' });
  addDeprecatedFlag(command, { old: '--limit', replacement: '--max-samples' });
  addDeprecatedFlag(command, { old: '--max-tokens', replacement: '--max-length' });
  command.action(async (options: AlignezCaaFlags) => {
    const summary = await runAlignezCaa({ ...options, layer: options.editLayerIndex, limit: options.maxSamples, maxTokens: options.maxLength });
    printResult(options.json, summary, (s) => `CAA steering vectors on layers ${s.layers.join(', ')} from ${s.pairs} pairs in ${s.out} (norms ${s.vectorNorms.map((n) => n.toFixed(3)).join(', ')}), ${s.seconds} s`);
  });
}

export async function runAlignezCaa(options: AlignezCaaOptions): Promise<AlignezCaaSummary> {
  const start = performance.now();
  let pairs = readPreferencePairs(options.data);
  if (options.limit !== undefined) pairs = pairs.slice(0, options.limit);
  const { model, tokenizer } = await loadPretrained(options.model, options.backend, options);
  try {
    const progress = options.progress === false ? undefined : createProgress('embed', 2 * pairs.length);
    let edits;
    try {
      edits = fitCaa({
        model,
        tokenizer,
        pairs,
        layers: options.layer,
        pooling: options.pooling,
        batchSize: options.batchSize,
        maxTokens: options.maxTokens,
        source: options.data,
        onProgress: (done) => progress?.update(done),
      });
    } finally {
      progress?.stop();
    }
    saveEdits(options.out, edits);
    return {
      out: options.out,
      layers: edits.layers,
      pairs: pairs.length,
      vectorNorms: edits.manifest.caa!.vectorNorms.map((n) => Math.round(n * 1e4) / 1e4),
      seconds: Math.round((performance.now() - start) / 10) / 100,
    };
  } finally {
    model.dispose();
  }
}
