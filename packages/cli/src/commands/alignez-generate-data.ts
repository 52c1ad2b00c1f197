import type { BackendName } from '@aligndial/core';
import { type GeneratePreferenceDataResult, generatePreferenceData, readQueriesFile, resolveTemplates } from '@aligndial/alignez';
import type { Command } from 'commander';
import { type EngineFlags, addEngineFlags } from '../engine-flags.js';
import { loadPretrained } from '../load-pretrained.js';
import { addBackendFlag, addDeprecatedFlag, addJsonFlag, printResult } from '../flag-vocabulary.js';
import { intOption, numberOption } from '../option-parsers.js';
import { createProgress } from '../progress.js';

export interface AlignezGenerateDataOptions {
  model: string;
  queries: string;
  out: string;
  templates?: string;
  chat?: boolean;
  traitsMaxTokens: number;
  maxNewTokens: number;
  temperature: number;
  topP: number;
  topK?: number;
  repetitionPenalty?: number;
  traitsStop?: string[];
  seed: number;
  batchSize: number;
  limit?: number;
  overwrite?: boolean;
  backend?: BackendName | 'auto';
  /** `--weights` / `--threads` (see engine-flags.ts). */
  weights?: EngineFlags['weights'];
  threads?: number;
  progress?: boolean;
}

/** The summary `alignez generate-data` prints (one JSON line). */
export interface AlignezGenerateDataSummary {
  out: string;
  total: number;
  generated: number;
  resumed: number;
  seconds: number;
}

/** What the flags of `alignez generate-data` parse to (flag names follow docs/cli.md). */
type GenerateDataFlags = Omit<AlignezGenerateDataOptions, 'limit' | 'traitsMaxTokens'> & { maxSamples?: number; traitsMaxNewTokens: number; json?: boolean };

export function registerAlignezGenerateDataCommand(alignez: Command): void {
  const command = alignez
    .command('generate-data')
    .description('Self-generate preference data with the base model (AlignEZ Sec. 2.1): traits of a helpful and a harmful answer, then an answer per traits. Resumable.')
    .requiredOption('--model <dir>', 'model directory (config.json, model.safetensors, tokenizer.json)')
    .requiredOption('--queries <file>', 'queries: JSONL with "prompt" (and optional "id") per line, or plain text with one query per line')
    .requiredOption('--out <file>', 'output JSONL (a header line with the settings, then {id, query, helpfulTraits, harmfulTraits, helpful, harmful} per line); resumed when it exists')
    .option('--templates <name|file>', 'prompt templates: helpful (the paper), safety-first, humorous, or a JSON file', 'helpful')
    .option('--chat', "wrap prompts in the tokenizer's chat template (default: raw text, as for base models)")
    .option('--traits-max-new-tokens <n>', 'tokens for the characteristics (step 1)', intOption(1, 1_000_000), 64)
    .option('--max-new-tokens <n>', 'tokens to generate at most, per answer (step 2)', intOption(0, 1_000_000), 128)
    .option('--temperature <t>', '0 = greedy', numberOption(0), 0.7)
    .option('--top-p <p>', 'nucleus sampling mass in (0, 1]', numberOption(Number.MIN_VALUE, 1), 0.9)
    .option('--top-k <k>', 'sample from the k most likely tokens (0 = all)', intOption(0))
    .option('--repetition-penalty <r>', '> 1 discourages repeats', numberOption(Number.MIN_VALUE))
    .option('--traits-stop <text...>', 'stop strings of step 1 (default: a blank line)')
    .option('--seed <s>', 'sampling seed', intOption(0, 2 ** 32 - 1), 0)
    .option('--batch-size <n>', 'queries per batch (1 keeps samples independent of batching and resuming)', intOption(1, 100_000), 1)
    .option('--max-samples <n>', 'use at most the first N samples', intOption(1))
    .option('--overwrite', 'start --out afresh instead of resuming it');
  addBackendFlag(command);
  addEngineFlags(command);
  addJsonFlag(command);
  addDeprecatedFlag(command, { old: '--limit', replacement: '--max-samples' });
  addDeprecatedFlag(command, { old: '--traits-max-tokens', replacement: '--traits-max-new-tokens' });
  command
    .addHelpText(
      'after',
      '\nExample:\n  aligndial alignez generate-data --model DIR --queries prompts.jsonl --out self-prefs.jsonl\n  (interrupted? run the same command again to resume)',
    )
    .action(async (options: GenerateDataFlags) => {
      const summary = await runAlignezGenerateData({ ...options, limit: options.maxSamples, traitsMaxTokens: options.traitsMaxNewTokens });
      printResult(options.json, summary, (s) => `${s.out}: ${s.total} queries (${s.generated} generated, ${s.resumed} resumed), ${s.seconds} s`);
    });
}

export async function runAlignezGenerateData(options: AlignezGenerateDataOptions): Promise<AlignezGenerateDataSummary> {
  const templates = resolveTemplates(options.templates);
  let queries = readQueriesFile(options.queries);
  if (options.limit !== undefined) queries = queries.slice(0, options.limit);
  const { model, tokenizer } = await loadPretrained(options.model, options.backend, options);
  const progress = options.progress === false ? undefined : createProgress('generate-data', queries.length);
  let result: GeneratePreferenceDataResult;
  try {
    const sampling = { temperature: options.temperature, topP: options.topP, topK: options.topK, repetitionPenalty: options.repetitionPenalty };
    result = await generatePreferenceData({
      model,
      tokenizer,
      queries,
      out: options.out,
      templates,
      chat: options.chat ?? false,
      traits: { ...sampling, maxNewTokens: options.traitsMaxTokens, ...(options.traitsStop ? { stopStrings: options.traitsStop } : {}) },
      answers: { ...sampling, maxNewTokens: options.maxNewTokens },
      seed: options.seed,
      batchSize: options.batchSize,
      overwrite: options.overwrite,
      onProgress: (done) => progress?.update(done),
    });
  } finally {
    progress?.stop();
    model.dispose();
  }
  return { out: result.out, total: result.total, generated: result.generated, resumed: result.resumed, seconds: Math.round(result.seconds * 100) / 100 };
}
