import { type Command, Option } from 'commander';
import { addEngineFlags } from './engine-flags.js';
import { addBackendFlag, addDeprecatedFlag, addWeightsMismatchFlag } from './flag-vocabulary.js';
import { numberOption } from './option-parsers.js';

/**
 * Adds the flags that choose and steer a model (`--model`, `--backend`, `--weights`/`--threads`, `--adapter` or
 * `--aligned-model` with `--lambda`, `--edits`/`--edit-strength`, `--allow-weights-mismatch`) to a command, so
 * every generating command accepts the same ones.
 */
export function addModelSessionFlags(command: Command): Command {
  command.requiredOption('--model <dir>', 'model directory (config.json, model.safetensors, tokenizer.json)');
  addBackendFlag(command);
  addEngineFlags(command)
    .option('--adapter <dir>', 'CLM adapter directory (from `aligndial clm train`)')
    .option('--aligned-model <dir>', "DeRa: an aligned model (same tokenizer) whose logits are mixed with --model's per step at --lambda")
    .addOption(
      new Option('--lambda <λ>', 'alignment strength with --adapter or --aligned-model: 0 = base, 1 = aligned (default), >1 extrapolates').argParser(numberOption()),
    )
    .option('--edits <dir>', 'AlignEZ/CAA edits directory (from `aligndial alignez fit`)')
    .addOption(new Option('--edit-strength <α>', 'AlignEZ edit strength α (default 1, the paper)').argParser(numberOption()));
  addWeightsMismatchFlag(command);
  return addDeprecatedFlag(command, { old: '--allow-model-mismatch', replacement: '--allow-weights-mismatch' });
}
