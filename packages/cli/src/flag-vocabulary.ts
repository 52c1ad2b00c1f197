import { BACKEND_NAMES } from '@aligndial/core';
import { type Command, Option } from 'commander';

/*
 * One home for flags that mean the same thing in several commands: the same name, help text and parser
 * everywhere (docs/cli.md has the table; flag-vocabulary.test.ts walks the command tree to enforce it).
 */

/**
 * Flags that name one idea in every command that has them, with the help text they start with (a command
 * may add context after it, e.g. "(step 2)"). docs/cli.md has the same table; flag-vocabulary.test.ts checks
 * every command against it.
 */
export const FLAG_VOCABULARY: Readonly<Record<string, string>> = {
  '--backend': 'tensor backend (default: auto = node-gpu → node → wasm → cpu, or env ALIGNDIAL_BACKEND)',
  '--json': 'print one JSON object on stdout instead of human-readable output',
  '--allow-weights-mismatch': 'accept an adapter or edits made for other weights of the same shape',
  '--max-new-tokens': 'tokens to generate at most',
  '--max-samples': 'use at most the first N samples',
  '--max-steps': 'stop after this many optimizer steps',
  '--max-length': 'longest sequence in tokens',
  '--add-layers': 'number of identity layers to add',
  '--edit-layers': 'number of layers to edit',
  '--edit-layer-index': 'index of each layer to steer',
  '--temperature': '0 = greedy',
  '--top-p': 'nucleus sampling mass in (0, 1]',
  '--top-k': 'sample from the k most likely tokens (0 = all)',
  '--repetition-penalty': '> 1 discourages repeats',
};

/**
 * Names retired for the vocabulary above: each still works for one release as a hidden alias that warns
 * (addDeprecatedFlag), and no command shows it in --help. Old name → the names that replace it.
 */
export const RETIRED_FLAGS: Readonly<Record<string, readonly string[]>> = {
  '--allow-model-mismatch': ['--allow-weights-mismatch'],
  '--limit': ['--max-samples'],
  '--steps': ['--max-steps', '--timed-steps'],
  '--layers': ['--add-layers', '--edit-layers'],
  '--layer': ['--edit-layer-index'],
  '--max-tokens': ['--max-length', '--max-new-tokens'],
  '--traits-max-tokens': ['--traits-max-new-tokens'],
};

/** `--backend`: the tensor backend of this process (the model's, or a local judge's). */
export function addBackendFlag(command: Command): Command {
  return command.addOption(
    new Option('--backend <name>', 'tensor backend (default: auto = node-gpu → node → wasm → cpu, or env ALIGNDIAL_BACKEND)').choices(['auto', ...BACKEND_NAMES]),
  );
}

/** `--json`: exactly one JSON object on stdout instead of the human-readable output. */
export function addJsonFlag(command: Command): Command {
  return command.option('--json', 'print one JSON object on stdout instead of human-readable output');
}

/** The one flag that accepts an adapter or edits made for other weights of the same shape. */
export const WEIGHTS_MISMATCH_FLAG = '--allow-weights-mismatch';

/** `--allow-weights-mismatch` (adapters and AlignEZ/CAA edits alike). */
export function addWeightsMismatchFlag(command: Command): Command {
  return command.option(WEIGHTS_MISMATCH_FLAG, 'accept an adapter or edits made for other weights of the same shape (they may behave differently)');
}

/** A renamed flag: the old name still works for one release, hidden from --help, with a warning. */
export interface FlagRename {
  /** e.g. `--limit` */
  old: string;
  /** e.g. `--max-samples`; must already be defined on the command. */
  replacement: string;
}

/**
 * Keeps `old` working as a hidden alias of `replacement` (same parser), warning on stderr when used.
 * Recorded in the changeset; removed in the release after next.
 */
export function addDeprecatedFlag(command: Command, { old, replacement }: FlagRename, stderr: () => NodeJS.WritableStream = () => process.stderr): Command {
  const target = command.options.find((o) => o.long === replacement);
  if (!target) throw new Error(`${command.name()}: ${replacement} must be defined before its old name ${old}`);
  const flags = target.required || target.optional ? `${old} ${target.flags.slice(target.flags.indexOf(' ') + 1)}` : old;
  const alias = new Option(flags, `deprecated: use ${replacement}`).hideHelp();
  if (target.parseArg) alias.argParser(target.parseArg as (value: string, previous: unknown) => unknown);
  if (target.argChoices) alias.choices(target.argChoices);
  command.addOption(alias);
  command.on(`option:${alias.name()}`, () => {
    stderr().write(`aligndial: warning: ${old} is deprecated and will be removed in the next release; use ${replacement}\n`);
    command.setOptionValueWithSource(target.attributeName(), command.getOptionValue(alias.attributeName()), 'cli');
  });
  return command;
}

/** Prints a command's result: one JSON line with `--json`, else the human-readable text. */
export function printResult<T>(json: boolean | undefined, result: T, human: (result: T) => string, out: NodeJS.WritableStream = process.stdout): void {
  out.write(json ? `${JSON.stringify(result)}\n` : `${human(result).replace(/\n?$/, '\n')}`);
}

/** A generic human rendering of a flat summary: one `name: value` line per field (nested values as JSON). */
export function summaryLines(result: object): string {
  return Object.entries(result)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}
