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
import { parseTurnLambda } from '../turn-lambda.js';
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
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
  numSamples: number;
  /** `--turn-lambda` values (see `parseTurnLambda`). */
  turnLambda?: string[];
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
    .option('--top-k <k>', 'sample from the k most likely tokens (0 = all) (default: generation_config.json)', intOption(0))
    .option('--top-p <p>', 'nucleus sampling mass in (0, 1] (default: generation_config.json)', numberOption(Number.MIN_VALUE, 1))
    .option('--repetition-penalty <r>', '> 1 discourages repeats (default: generation_config.json)', numberOption(Number.MIN_VALUE))
    .option('--num-samples <n>', 'answers per prompt; each is its own line, id PROMPT_ID#K, with its own seed', intOption(1, 10_000), 1)
    .option('--seed <s>', 'base seed: each answer is sampled with a seed derived from it, the prompt id and the sample (recorded; reruns repeat)', intOption(0, 2 ** 32 - 1), 0)
    .option('--turn-lambda <spec...>', 'λ per turn of multi-turn prompts: TURN=λ (e.g. 2=0.3) or one λ per turn (1,0.3); other turns use --lambda')
    .option('--raw', 'feed single-turn prompts as plain text instead of a user turn in the chat template (base models)')
    .option('--data-dir <dir>', 'benchmark data folder (default: ../shared/data)')
    .addHelpText(
      'after',
      [
        '',
        'Prompts are sent as a user message through the model\'s chat template (a model without one gets',
        'a plain "User: … Assistant:" format, with a warning); MT-Bench\'s second turn is answered with',
        'the first turn and its answer in the conversation. Each line records the answer\'s seed and its',
        'generated token ids ("seed", "tokenIds"), and its λ when an adapter steers the model.',
        '',
        'Per-turn λ (CLM Table 4): --adapter DIR --lambda 1 --turn-lambda 2=0.3 answers turn 1 at λ = 1',
        'and turn 2 at λ = 0.3.',
        '',
        'Examples:',
        '  aligndial eval generate --model DIR --bench mt-bench --out answers/mt.jsonl',
        '  aligndial eval generate --model DIR --bench just-eval:helpfulness --max-samples 100 --out answers/base.jsonl',
        '  aligndial eval generate --model DIR --prompts prompts.txt --max-new-tokens 256 --out answers/mine.jsonl',
        '  aligndial eval generate --model DIR --adapter ./clm --lambda 1 --turn-lambda 2=0.3 --bench mt-bench --out mt-l1-t2-0.3.jsonl',
        '  aligndial eval generate --model DIR --prompts p.txt --temperature 0.7 --top-p 0.9 --num-samples 4 --out samples.jsonl',
      ].join('\n'),
    )
    .action(async (options: EvalGenerateOptions & { json?: boolean }) => {
      const result = await runEvalGenerate(options, process.stderr);
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

/** Opens the session and checks that it can do what the flags ask (per-turn λ needs λ). */
async function openCheckedSession(options: EvalGenerateOptions, turnLambda: Map<number, number>, stderr: NodeJS.WritableStream): Promise<ModelSession> {
  const session = await openModelSession(options);
  if (turnLambda.size > 0 && !session.steeringSupport.lambda) {
    session.dispose();
    throw new UsageError('--turn-lambda needs a model with λ: give --adapter DIR (a CLM) or --aligned-model DIR (DeRa)');
  }
  if (!options.raw) warnIfNoChatTemplate(session.tokenizer, options.model, 'eval generate (without --raw)', stderr);
  return session;
}

/** `aligndial eval generate`: answers the prompts not yet in `--out`, one at a time, with a progress bar. */
export async function runEvalGenerate(options: EvalGenerateOptions, stderr: NodeJS.WritableStream = process.stderr): Promise<GenerateAnswersResult> {
  const all = loadPrompts(options);
  const items = options.maxSamples === undefined ? all : all.slice(0, options.maxSamples);
  if (options.raw && items.some((item) => typeof item.prompt !== 'string')) {
    throw new UsageError('--raw works with single-turn prompts only; these prompts have several turns');
  }
  const turnLambda = parseTurnLambda(options.turnLambda ?? []);
  const numSamples = options.numSamples ?? 1;
  const already = new Set(openAnswersForResume(options.out).map((r) => r.id));
  const ids = items.flatMap((item) => (numSamples === 1 ? [item.id] : Array.from({ length: numSamples }, (_, k) => `${item.id}#${k}`)));
  const resumed = ids.filter((id) => already.has(id)).length;

  // The model is loaded only when a prompt needs an answer (a finished file costs nothing), and before the
  // progress bar, so a bad --model or --adapter prints its error alone.
  let session: ModelSession | undefined = resumed < ids.length ? await openCheckedSession(options, turnLambda, stderr) : undefined;
  const generator: Generator = async (prompt, context) => {
    session ??= await openCheckedSession(options, turnLambda, stderr);
    const input: string | ChatMessage[] = typeof prompt !== 'string' ? prompt : options.raw ? prompt : [{ role: 'user', content: prompt }];
    const { defaults, steeringSupport, defaultSteering } = session;
    const turn = context?.turn ?? 1;
    const lambda = steeringSupport.lambda ? (turnLambda.get(turn) ?? defaultSteering.lambda) : undefined;
    const result = await session.generate([input], {
      maxNewTokens: options.maxNewTokens,
      temperature: options.temperature ?? defaults.temperature ?? 0,
      topK: options.topK ?? defaults.topK,
      topP: options.topP ?? defaults.topP,
      repetitionPenalty: options.repetitionPenalty ?? defaults.repetitionPenalty,
      seed: context?.seed ?? options.seed,
      ...(lambda !== undefined ? { steering: { lambda } } : {}),
    });
    const sequence = result.sequences[0];
    return { text: sequence.text ?? '', tokenIds: sequence.ids, ...(lambda !== undefined ? { lambda } : {}) };
  };

  const progress = createProgress('generate', ids.length);
  if (resumed > 0) progress.update(resumed);
  try {
    return await generateAnswers({
      prompts: items,
      generator,
      outFile: options.out,
      numSamples,
      seed: options.seed,
      onProgress: (p) => progress.update(p.done),
    });
  } finally {
    progress.stop();
    session?.dispose();
  }
}
