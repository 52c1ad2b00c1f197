import type { BackendName } from '@aligndial/core';
import { initBackend } from '@aligndial/core';
import { exportMergedModel, loadClmModel } from '@aligndial/clm';
import type { Command } from 'commander';
import { addBackendFlag, addJsonFlag, addWeightsMismatchFlag, printResult } from '../flag-vocabulary.js';

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
  const command = clm
    .command('export')
    .description('Write base + adapter as a plain Hugging Face checkpoint with the aligned path baked in (λ = 1); tokenizer files are copied.')
    .requiredOption('--model <dir>', 'base model directory the adapter was made for')
    .requiredOption('--adapter <dir>', 'CLM adapter directory')
    .requiredOption('--out <dir>', 'output model directory');
  addWeightsMismatchFlag(command);
  addBackendFlag(command);
  addJsonFlag(command);
  command
    .addHelpText('after', '\nExample:\n  aligndial clm train --model DIR --data prefs.jsonl --out ./clm-adapter\n  aligndial clm export --model DIR --adapter ./clm-adapter --out ./aligned-model')
    .action(async (options: ClmExportOptions & { json?: boolean }) => {
      const summary = await runClmExport(options);
      printResult(options.json, summary, (s) => `${s.out}: a Hugging Face checkpoint of ${s.layers} layers (${s.addedLayers} added), the CLM at λ = 1`);
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
