import type { BackendName } from '@aligndial/core';
import { initBackend, loadModel } from '@aligndial/core';
import { expandModel, saveAdapter } from '@aligndial/clm';
import type { Command } from 'commander';
import { addBackendFlag, addDeprecatedFlag, addJsonFlag, printResult } from '../flag-vocabulary.js';
import { intOption } from '../option-parsers.js';

export interface ClmExpandOptions {
  model: string;
  out: string;
  layers: number;
  copyLayer: number;
  backend?: BackendName | 'auto';
}

/** The JSON line `aligndial clm expand` prints. */
export interface ClmExpandSummary {
  out: string;
  addedLayers: number;
  copiedLayer: number;
  /** Parameters of the adapter (the added layers). */
  parameters: number;
  baseConfigHash: string;
}

export function registerClmExpandCommand(clm: Command): void {
  const command = clm
    .command('expand')
    .description('Create the untrained CLM adapter: identity copies of layer 0 (o_proj and down_proj zeroed) to put before it. At any λ the model still equals the base.')
    .requiredOption('--model <dir>', 'base model directory (Llama, Qwen2, Mistral)')
    .requiredOption('--out <dir>', 'adapter directory to write (adapter.json + adapter.safetensors)')
    .option('--add-layers <n>', 'number of identity layers to add before layer 0 (paper Table 7)', intOption(1, 64), 1)
    .option('--copy-layer <i>', 'base layer the added layers copy', intOption(0), 0);
  addBackendFlag(command);
  addJsonFlag(command);
  addDeprecatedFlag(command, { old: '--layers', replacement: '--add-layers' });
  command
    .addHelpText('after', '\nExample:\n  aligndial clm expand --model DIR --out ./clm-adapter\n  aligndial clm train --model DIR --adapter ./clm-adapter --data prefs.jsonl --out ./clm-adapter')
    .action(async (options: Omit<ClmExpandOptions, 'layers'> & { addLayers: number; json?: boolean }) => {
      const summary = await runClmExpand({ ...options, layers: options.addLayers });
      printResult(options.json, summary, (s) => `adapter in ${s.out}: ${s.addedLayers} identity layer(s) copied from layer ${s.copiedLayer}, ${s.parameters} parameters (untrained)`);
    });
}

export async function runClmExpand(options: ClmExpandOptions): Promise<ClmExpandSummary> {
  await initBackend(options.backend);
  const clm = expandModel(loadModel(options.model), { layers: options.layers, copyLayer: options.copyLayer });
  try {
    const manifest = saveAdapter(clm, options.out, { baseSource: options.model });
    const parameters = [...clm.addedParameters().values()].reduce((n, v) => n + v.size, 0);
    return { out: options.out, addedLayers: clm.numAdded, copiedLayer: manifest.copiedLayer, parameters, baseConfigHash: manifest.base.configHash };
  } finally {
    clm.dispose();
  }
}
