import type { BackendName } from '@aligndial/core';
import { initBackend } from '@aligndial/core';
import { exportMergedModel, loadClmModel } from '@aligndial/clm';
import type { Command } from 'commander';

export interface ClmExportOptions {
  model: string;
  adapter: string;
  out: string;
  allowWeightsMismatch?: boolean;
  backend?: BackendName | 'auto';
}

/** The JSON line `aligndial clm export` prints. */
export interface ClmExportSummary {
  out: string;
  /** Decoder layers of the exported checkpoint (base + added). */
  layers: number;
  addedLayers: number;
}

export function registerClmExportCommand(clm: Command): void {
  clm
    .command('export')
    .description('Write base + adapter as a plain Hugging Face checkpoint with the aligned path baked in (λ = 1); tokenizer files are copied.')
    .requiredOption('--model <dir>', 'base model directory the adapter was made for')
    .requiredOption('--adapter <dir>', 'CLM adapter directory')
    .requiredOption('--out <dir>', 'output model directory')
    .option('--allow-weights-mismatch', 'load the adapter onto base weights other than the ones it was made for (same shape)')
    .option('--backend <name>', 'auto | node-gpu | node | wasm | cpu (env ALIGNDIAL_BACKEND)')
    .addHelpText('after', '\nExample:\n  aligndial clm train --model DIR --data prefs.jsonl --out ./clm-adapter\n  aligndial clm export --model DIR --adapter ./clm-adapter --out ./aligned-model')
    .action(async (options: ClmExportOptions) => {
      process.stdout.write(`${JSON.stringify(await runClmExport(options))}\n`);
    });
}

export async function runClmExport(options: ClmExportOptions): Promise<ClmExportSummary> {
  await initBackend(options.backend);
  const clm = loadClmModel(options.model, options.adapter, { allowWeightsMismatch: options.allowWeightsMismatch });
  try {
    exportMergedModel(clm, options.out, { modelDir: options.model });
    return { out: options.out, layers: clm.model.layers.length, addedLayers: clm.numAdded };
  } finally {
    clm.dispose();
  }
}
