import { type Command, Option } from 'commander';
import { numberOption } from './option-parsers.js';

/**
 * Adds the flags that choose and steer a model (`--model`, `--backend`, `--adapter`/`--lambda`,
 * `--edits`/`--edit-strength`) to a command, so every generating command accepts the same ones.
 */
export function addModelSessionFlags(command: Command): Command {
  return command
    .requiredOption('--model <dir>', 'model directory (config.json, model.safetensors, tokenizer.json)')
    .option('--backend <name>', 'auto | node-gpu | node | wasm | cpu (env ALIGNDIAL_BACKEND)')
    .option('--adapter <dir>', 'CLM adapter directory (from `aligndial clm train`)')
    .addOption(
      new Option('--lambda <λ>', 'alignment strength with --adapter: 0 = base, 1 = aligned (default), >1 extrapolates').argParser(numberOption()),
    )
    .option('--edits <dir>', 'AlignEZ/CAA edits directory (from `aligndial alignez fit`)')
    .addOption(new Option('--edit-strength <α>', 'AlignEZ edit strength α (default 1, the paper)').argParser(numberOption()))
    .option('--allow-model-mismatch', 'apply --edits fitted on a model with the same shape but other weights');
}
