import type { BackendName } from '@aligndial/core';
import { type AnswerPair, BUILTIN_PAIR_TEMPLATES, type CompareAnswersResult, compareAnswers, loadMtBench, matchAnswers, readAnswers } from '@aligndial/eval';
import type { Command } from 'commander';
import { addBackendFlag, addJsonFlag, printResult } from '../flag-vocabulary.js';
import { intOption } from '../option-parsers.js';
import { createProgress } from '../progress.js';
import { findDataDir, requireDataDir } from './eval-data-dir.js';
import { JUDGE_SPEC_HELP, openEvalJudge } from './eval-judge.js';
import { failOnJudgeErrors } from './eval-judge-errors.js';

/** Options of `aligndial eval compare`. */
export interface EvalCompareOptions {
  a: string;
  b: string;
  judge: string;
  out: string;
  swap?: boolean;
  concurrency: number;
  seed: number;
  budget?: number;
  /** A cache file, false for `--no-cache`, undefined for `<out>.cache.jsonl`. */
  cache?: string | false;
  /** Judge prompt; default {@link defaultTemplate}. */
  template?: string;
  dataDir?: string;
  backend?: BackendName | 'auto';
}

export function registerEvalCompareCommand(evalCommand: Command): void {
  const command = evalCommand
    .command('compare')
    .description('Judge answers A ("ours") against answers B (the baseline), matched by id; writes one judgment per pair (JSONL).')
    .requiredOption('--a <file>', 'answers of the model under test (JSONL from eval generate)')
    .requiredOption('--b <file>', 'answers of the baseline')
    .requiredOption('--judge <spec>', JUDGE_SPEC_HELP)
    .requiredOption('--out <file>', 'judgments file to write (JSONL)')
    .option('--swap', 'judge both orders; a disagreement counts as a tie (position-bias control; arena-hard always judges both)')
    .option('--concurrency <n>', 'pairs judged at once', intOption(1, 256), 4)
    .option('--seed <s>', 'seed of the per-pair presentation order', intOption(0, 2 ** 32 - 1), 0)
    .option('--budget <n>', 'most judge requests this run may send (retries and re-asks count); rerun to finish', intOption(1))
    .option('--cache <file>', 'judgment cache, so a rerun pays only for what is missing (default: <out>.cache.jsonl)')
    .option('--no-cache', 'do not read or write a judgment cache')
    .option(
      '--template <name>',
      'judge prompt: alignez (AlignEZ A.4.2), arena-hard (Arena-Hard v0.1, both orders, [[A>>B]] labels), alpaca-eval (AlpacaEval 2 weighted_alpaca_eval_gpt4_turbo, logprob preference) or a FastChat pairwise prompt (pair-v2, pair-v2-multi-turn, pair-math-v1, pair-math-v1-multi-turn) (default: alignez; pair-v2-multi-turn when the answers have several turns, e.g. MT-Bench)',
    )
    .option('--data-dir <dir>', 'data folder with mt_bench/judge_prompts.jsonl, for FastChat templates (default: ../shared/data)');
  addBackendFlag(command);
  addJsonFlag(command);
  command
    .addHelpText(
      'after',
      [
        '',
        'Verdicts the judge gives in no parsable form (after one re-ask) or that fail after retries',
        'land in an error bucket, never among the ties. A local:DIR judge answers greedily, at most',
        '256 tokens per reply.',
        '',
        'Examples:',
        '  aligndial eval compare --a ours.jsonl --b base.jsonl --judge openai:gpt-4o-mini --out ours-vs-base.jsonl --swap',
        '  aligndial eval compare --a ours.jsonl --b base.jsonl --judge openai:qwen@http://127.0.0.1:8000/v1 --out j.jsonl',
        '  aligndial eval compare --a mt-ours.jsonl --b mt-base.jsonl --judge local:DIR --template pair-v2-multi-turn --out j.jsonl',
        '  aligndial eval compare --a ours.jsonl --b base.jsonl --judge rule:length --out j.jsonl   # offline',
        '  aligndial eval compare --a ah-ours.jsonl --b ah-gpt4-0314.jsonl --judge openai:gpt-4-1106-preview --template arena-hard --out ah.jsonl',
        '  aligndial eval compare --a ae-ours.jsonl --b ae-ref.jsonl --judge openai:gpt-4-1106-preview --template alpaca-eval --out ae.jsonl',
        '',
        'Protocols (docs/protocols.md): arena-hard judges each question twice (baseline shown first, then',
        'ours first) and eval report scores the battles with Bradley–Terry; alpaca-eval asks for a 1-token',
        'reply with top-5 logprobs and eval report gives the win rate and the length-controlled win rate.',
      ].join('\n'),
    )
    .action(async (options: EvalCompareOptions & { json?: boolean }) => {
      const r = await runEvalCompare(options);
      const warn = (ids: string[], file: string) => {
        if (ids.length > 0) process.stderr.write(`aligndial: warning: ${ids.length} id(s) only in ${file}, not judged (e.g. "${ids[0]}")\n`);
      };
      warn(r.onlyA, options.a);
      warn(r.onlyB, options.b);
      printResult(options.json, r, () =>
        `${r.outFile}: ${r.judged}/${r.total} pairs judged (errors ${r.errors}, requests ${r.requests}, cached calls ${r.cachedCalls})` +
        (r.budgetExhausted ? `\nrequest budget spent: ${r.pending} pairs pending; rerun the same command to finish them` : ''));
      failOnJudgeErrors(r.errors, r.judged, 'pairs', r.outFile);
    });
}

/**
 * AlignEZ's judge prompt (one turn), or FastChat's multi-turn pairwise prompt when any answer has several
 * turns (MT-Bench), so `eval generate --bench mt-bench` → `eval compare` works without --template.
 */
export function defaultTemplate(pairs: readonly AnswerPair[]): string {
  return pairs.some((p) => Array.isArray(p.a.output) && p.a.output.length > 1) ? 'pair-v2-multi-turn' : 'alignez';
}

/** Reference answers by id for the reference-guided (math) templates: MT-Bench's GPT-4 answers. */
function referencesFor(template: string, dataDir: string | undefined): Record<string, string[]> | undefined {
  if (!template.startsWith('pair-math') || dataDir === undefined) return undefined;
  return Object.fromEntries(loadMtBench(dataDir).flatMap((item) => (item.referenceAnswer ? [[item.id, item.referenceAnswer]] : [])));
}

/** `aligndial eval compare`: judges A against B with a progress bar and writes the judgments file. */
export async function runEvalCompare(options: EvalCompareOptions): Promise<CompareAnswersResult> {
  // Read and match the answers first: input mistakes surface before any judge is set up.
  const { pairs } = matchAnswers(readAnswers(options.a), readAnswers(options.b), { aFile: options.a, bFile: options.b });
  const template = options.template ?? defaultTemplate(pairs);
  const dataDir = BUILTIN_PAIR_TEMPLATES[template] ? findDataDir(options.dataDir) : requireDataDir(options.dataDir, `--template ${template}`);
  const references = referencesFor(template, dataDir);
  const judge = openEvalJudge(options.judge, options);
  const progress = createProgress('compare', pairs.length, { errors: 0, requests: 0 });
  try {
    return await compareAnswers({
      aFile: options.a,
      bFile: options.b,
      judge: judge.spec,
      judgeOptions: judge.judgeOptions,
      template,
      dataDir,
      references,
      outFile: options.out,
      cacheFile: options.cache,
      concurrency: options.concurrency,
      swap: options.swap ?? false,
      seed: options.seed,
      budget: options.budget,
      onProgress: (p) => progress.update(p.done, { errors: p.errors, requests: p.requests }),
    });
  } finally {
    progress.stop();
    await judge.close();
  }
}
