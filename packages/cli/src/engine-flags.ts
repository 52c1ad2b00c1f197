import { WEIGHTS_CHOICES, parseThreads } from '@aligndial/core';
import { type Command, InvalidArgumentError, Option } from 'commander';

export { type EngineFlags, applyEngineFlags } from './engine-threads.js';

const WEIGHTS_HELP =
  'storage of frozen weight matrices in the matmul engine (wasm/cpu backends): auto (bf16 for BF16 checkpoints, tfjs float32 for F32 ones up to 1 GiB (as fast here, trainable as is), else f32 in the engine); or f32, bf16 (half the memory; exact for bf16 checkpoints), int8 (q8 blocks of 32: ~1/4 the memory, lossy)';
const THREADS_HELP = 'threads per matmul, the main one included (env ALIGNDIAL_THREADS; default: measured — all cores where they help, else 1)';

/** The `--weights` and `--threads` options (fresh objects: commander options belong to one command). */
function engineOptions(): Option[] {
  return [
    new Option('--weights <type>', WEIGHTS_HELP).choices(WEIGHTS_CHOICES).default('auto'),
    new Option('--threads <n>', THREADS_HELP).argParser((value: string) => {
      try {
        return parseThreads(value, '--threads');
      } catch {
        throw new InvalidArgumentError(`expected a whole number from 1 to 256, got "${value}"`);
      }
    }),
  ];
}

/** Adds `--weights` and `--threads` to a command that loads a model. */
export function addEngineFlags(command: Command): Command {
  for (const option of engineOptions()) command.addOption(option);
  return command;
}
