import type { BackendName } from '@aligndial/core';
import { initBackend, loadModel } from '@aligndial/core';
import { expandModel, saveAdapter } from '@aligndial/clm';
import type { Command } from 'commander';
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
  clm
    .command('expand')
    .description('Create the untrained CLM adapter: identity copies of layer 0 (o_proj and down_proj zeroed) to put before it. At any λ the model still equals the base.')
    .requiredOption('--model <dir>', 'base model directory (Llama, Qwen2, Mistral)')
    .requiredOption('--out <dir>', 'adapter directory to write (adapter.json + adapter.safetensors)')
    .option('--layers <n>', 'number of layers to add (paper Table 7)', intOption(1, 64), 1)
    .option('--copy-layer <i>', 'base layer to copy', intOption(0), 0)
    .option('--backend <name>', 'auto | node-gpu | node | wasm | cpu (env ALIGNDIAL_BACKEND)')
    .addHelpText('after', '\nExample:\n  aligndial clm expand --model DIR --out ./clm-adapter\n  aligndial clm train --model DIR --adapter ./clm-adapter --data prefs.jsonl --out ./clm-adapter')
    .action(async (options: ClmExpandOptions) => {
      process.stdout.write(`${JSON.stringify(await runClmExpand(options))}\n`);
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
