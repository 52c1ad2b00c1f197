import { AligndialError, type ChatMessage } from '@aligndial/core';
import {
  type GenerateAnswersResult,
  type Generator,
  type PromptItem,
  generateAnswers,
  loadBench,
  openAnswersForResume,
  readPromptsFile,
} from '@aligndial/eval';
import type { Command } from 'commander';
import { UsageError } from '../cli-error.js';
import { type ModelSession, type ModelSessionOptions, openModelSession } from '../model-session.js';
import { addModelSessionFlags } from '../model-session-flags.js';
import { addDeprecatedFlag, addJsonFlag, printResult } from '../flag-vocabulary.js';
import { intOption, numberOption } from '../option-parsers.js';
import { createProgress } from '../progress.js';
import { warnIfNoChatTemplate } from './chat-template-warning.js';
import { requireDataDir } from './eval-data-dir.js';

/**
 * Options of `aligndial eval generate`. The model-session flags (`--model`, `--backend`, and the
 * alignment controls the session understands) are passed through to `openModelSession` as is.
 */
export interface EvalGenerateOptions extends ModelSessionOptions {
  bench?: string;
  prompts?: string;
  /** Answer at most the first N prompts. */
  maxSamples?: number;
  out: string;
  maxNewTokens: number;
  temperature?: number;
  seed: number;
  dataDir?: string;
  raw?: boolean;
}

export function registerEvalGenerateCommand(evalCommand: Command): void {
  const command = addModelSessionFlags(
    evalCommand
      .command('generate')
      .description('Answer a benchmark or a prompt file with a model; writes answers as JSONL {"id","prompt","output"} and resumes where a previous run stopped.'),
  )
    .option('--bench <name>', 'benchmark: mt-bench, alpaca-eval, arena-hard, just-eval or just-eval:SLICE (e.g. just-eval:helpfulness)')
    .option('--prompts <file>', 'prompt file: .jsonl lines {"prompt": "..." | ["turn 1", "turn 2"], "id"?: ...}, else one prompt per line')
    .requiredOption('--out <file>', 'answers file (JSONL); ids already in it are skipped')
    .option('--max-samples <n>', 'use at most the first N samples (prompts)', intOption(1))
    .option('--max-new-tokens <n>', 'tokens to generate at most, per answer (per turn)', intOption(0, 1_000_000), 512)
    .option('--temperature <t>', '0 = greedy (default: generation_config.json, else 0)', numberOption(0))
    .option('--seed <s>', 'sampling seed (every answer is seeded with it, so reruns repeat)', intOption(0, 2 ** 32 - 1), 0)
    .option('--raw', 'feed single-turn prompts as plain text instead of a user turn in the chat template (base models)')
    .option('--data-dir <dir>', 'benchmark data folder (default: ../shared/data)')
    .addHelpText(
      'after',
      [
        '',
        'Prompts are sent as a user message through the model\'s chat template; MT-Bench\'s second turn',
        'is answered with the first turn and its answer in the conversation.',
        '',
        'Examples:',
        '  aligndial eval generate --model DIR --bench mt-bench --out answers/mt.jsonl',
        '  aligndial eval generate --model DIR --bench just-eval:helpfulness --max-samples 100 --out answers/base.jsonl',
        '  aligndial eval generate --model DIR --prompts prompts.txt --max-new-tokens 256 --out answers/mine.jsonl',
      ].join('\n'),
    )
    .action(async (options: EvalGenerateOptions & { json?: boolean }) => {
      const result = await runEvalGenerate(options);
      printResult(options.json, result, (r) => `${r.outFile}: ${r.total} answers (${r.generated} new, ${r.resumed} resumed)`);
    });
  addJsonFlag(command);
  addDeprecatedFlag(command, { old: '--limit', replacement: '--max-samples' });
}

function loadPrompts(options: EvalGenerateOptions): PromptItem[] {
  if ((options.bench === undefined) === (options.prompts === undefined)) {
    throw new UsageError('give exactly one of --bench NAME or --prompts FILE');
  }
  if (options.bench !== undefined) return loadBench(options.bench, requireDataDir(options.dataDir, `--bench ${options.bench}`));
  const items = readPromptsFile(options.prompts!);
  if (items.length === 0) throw new AligndialError(`${options.prompts}: no prompts in the file`);
  return items;
}

/** `aligndial eval generate`: answers the prompts not yet in `--out`, one at a time, with a progress bar. */
export async function runEvalGenerate(options: EvalGenerateOptions): Promise<GenerateAnswersResult> {
  const all = loadPrompts(options);
  const items = options.maxSamples === undefined ? all : all.slice(0, options.maxSamples);
  if (options.raw && items.some((item) => typeof item.prompt !== 'string')) {
    throw new UsageError('--raw works with single-turn prompts only; these prompts have several turns');
  }
  const already = new Set(openAnswersForResume(options.out).map((r) => r.id));
  const resumed = items.filter((item) => already.has(item.id)).length;

  // The model is loaded only when a prompt needs an answer (a finished file costs nothing), and before the
  // progress bar, so a bad --model or --adapter prints its error alone.
  let session: ModelSession | undefined = resumed < items.length ? await openModelSession(options) : undefined;
  if (session && !options.raw) warnIfNoChatTemplate(session.tokenizer, options.model, 'eval generate (without --raw)');
  const generator: Generator = async (prompt) => {
    session ??= await openModelSession(options);
    const input: string | ChatMessage[] = typeof prompt !== 'string' ? prompt : options.raw ? prompt : [{ role: 'user', content: prompt }];
    const { defaults } = session;
    const result = await session.generate([input], {
      maxNewTokens: options.maxNewTokens,
      temperature: options.temperature ?? defaults.temperature ?? 0,
      topK: defaults.topK,
      topP: defaults.topP,
      repetitionPenalty: defaults.repetitionPenalty,
      seed: options.seed,
    });
    return result.sequences[0].text ?? '';
  };

  const progress = createProgress('generate', items.length);
  if (resumed > 0) progress.update(resumed);
  try {
    return await generateAnswers({
      prompts: items,
      generator,
      outFile: options.out,
      onProgress: (p) => progress.update(p.done),
    });
  } finally {
    progress.stop();
    session?.dispose();
  }
}
