import { type PreferenceLossType, PREFERENCE_LOSS_TYPES } from '@aligndial/dpo';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { addEngineFlags } from '../engine-flags.js';
import { addBackendFlag, addJsonFlag } from '../flag-vocabulary.js';
import { intOption, numberOption } from '../option-parsers.js';

/** One flag of preference training: its commander spelling, help, parser, default and allowed values. */
export interface TrainingFlag {
  flags: string;
  description: string;
  parse?: (value: string, previous: unknown) => unknown;
  default?: unknown;
  choices?: readonly string[];
}

function lossList(value: string): PreferenceLossType[] {
  const types = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const t of types) {
    if (!(PREFERENCE_LOSS_TYPES as readonly string[]).includes(t)) throw new InvalidArgumentError(`unknown loss "${t}" (use ${PREFERENCE_LOSS_TYPES.join(', ')})`);
  }
  if (types.length === 0) throw new InvalidArgumentError('give at least one loss');
  return types as PreferenceLossType[];
}

function numberList(value: string): number[] {
  const xs = value.split(',').map((s) => Number(s.trim()));
  if (xs.some((x) => !Number.isFinite(x))) throw new InvalidArgumentError(`expected comma-separated numbers, got "${value}"`);
  return xs;
}

/** `--gradient-checkpointing auto|on|off`: every trainer's (dpo/clm train, clm distill) one spelling and help. */
export const GRADIENT_CHECKPOINTING_FLAG: TrainingFlag = {
  flags: '--gradient-checkpointing <mode>',
  description: 'recompute each layer in the backward pass instead of keeping its activations (about 1/3 slower, far less memory); auto: on when the memory plan needs it',
  choices: ['auto', 'on', 'off'],
  default: 'auto',
};

/**
 * The one table of training flags that `dpo train` and `clm train` share (loss, β, schedule, AdamW,
 * batching, data limits, checkpoints, eval, resume). `trainerConfigFromFlags` maps the parsed values to
 * the trainer config. Defaults here are the CLI's (e.g. warmup 0.1, a checkpoint every 100 steps).
 */
export const PREFERENCE_TRAINING_FLAGS: readonly TrainingFlag[] = [
  { flags: '--beta <b>', description: 'KL strength β', parse: numberOption(Number.MIN_VALUE), default: 0.1 },
  { flags: '--loss <types>', description: `comma-separated: ${PREFERENCE_LOSS_TYPES.join(', ')}`, parse: lossList, default: ['sigmoid'] },
  { flags: '--loss-weights <w>', description: 'comma-separated weight per loss (default 1 each)', parse: numberList },
  { flags: '--label-smoothing <e>', description: 'ε for conservative (sigmoid) / robust DPO, in [0, 0.5)', parse: numberOption(0, 0.4999), default: 0 },
  { flags: '--lr <lr>', description: 'peak learning rate (AdamW)', parse: numberOption(0), default: 1e-6 },
  { flags: '--lr-scheduler <type>', description: 'learning-rate schedule after warmup', choices: ['linear', 'cosine', 'constant'], default: 'linear' },
  { flags: '--warmup-ratio <r>', description: 'linear warmup as a fraction of all steps', parse: numberOption(0, 1), default: 0.1 },
  { flags: '--weight-decay <wd>', description: 'AdamW decoupled weight decay (not on biases/norms)', parse: numberOption(0), default: 0 },
  { flags: '--epochs <e>', description: 'passes over the data', parse: intOption(1, 10_000), default: 1 },
  { flags: '--max-steps <n>', description: 'stop after this many optimizer steps (overrides --epochs)', parse: intOption(1) },
  { flags: '--batch-size <n>', description: 'pairs per micro-batch', parse: intOption(1, 100_000), default: 4 },
  { flags: '--grad-accum <n>', description: 'micro-batches per optimizer step', parse: intOption(1, 100_000), default: 1 },
  { flags: '--max-length <l>', description: 'longest sequence in tokens: prompt + completion (default min(1024, model max positions))', parse: intOption(2) },
  { flags: '--max-prompt-length <l>', description: 'prompt token budget under truncation (default max-length/2)', parse: intOption(1) },
  { flags: '--max-samples <n>', description: 'use at most the first N samples (valid rows)', parse: intOption(1) },
  { flags: '--max-grad-norm <n>', description: 'clip the global gradient norm (0 = off)', parse: numberOption(0), default: 1 },
  { flags: '--seed <s>', description: 'data-order seed', parse: intOption(0, 2 ** 32 - 1), default: 42 },
  { flags: '--save-steps <n>', description: 'checkpoint every N steps and at the end (0 = never)', parse: intOption(0), default: 100 },
  { flags: '--save-total-limit <n>', description: 'keep only the newest N checkpoints (0 = all)', parse: intOption(0), default: 2 },
  { flags: '--logging-steps <n>', description: 'a metrics line every N steps', parse: intOption(1), default: 1 },
  { flags: '--eval-data <file>', description: 'a separate eval file (same formats)' },
  { flags: '--eval-ratio <r>', description: 'hold out this fraction of the data for eval', parse: numberOption(0, 0.9), default: 0 },
  { flags: '--eval-steps <n>', description: 'evaluate every N steps (0 = only at the end)', parse: intOption(0), default: 0 },
  { flags: '--chat-template <mode>', description: 'auto: messages via the chat template, strings concatenated', choices: ['auto', 'always', 'never'], default: 'auto' },
  { flags: '--no-append-eos', description: 'leave completions without EOS (default: append EOS to completions that have none; off for truncated or continuation data)' },
  { flags: '--skip-invalid', description: 'drop invalid rows (reported) instead of stopping at the first one' },
  { flags: '--resume', description: 'continue from the newest checkpoint in --out' },
  GRADIENT_CHECKPOINTING_FLAG,
];

/** Adds every flag of {@link PREFERENCE_TRAINING_FLAGS} to `command` (help, parser, default from the table). */
export function addPreferenceTrainingFlags(command: Command): Command {
  for (const flag of PREFERENCE_TRAINING_FLAGS) command.addOption(trainingFlagOption(flag));
  addBackendFlag(command);
  addEngineFlags(command);
  return addJsonFlag(command);
}

/** A {@link TrainingFlag} as a commander option (help, parser, default, choices). */
export function trainingFlagOption(flag: TrainingFlag): Option {
  const option = new Option(flag.flags, flag.description);
  if (flag.choices) option.choices(flag.choices);
  if (flag.parse) option.argParser(flag.parse);
  if (flag.default !== undefined) option.default(flag.default);
  return option;
}
