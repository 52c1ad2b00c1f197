import type { BackendName } from '@aligndial/core';
import { type GradeAnswersResult, gradeAnswers, readAnswers } from '@aligndial/eval';
import type { Command } from 'commander';
import { UsageError } from '../cli-error.js';
import { addBackendFlag, addJsonFlag, printResult } from '../flag-vocabulary.js';
import { intOption } from '../option-parsers.js';
import { createProgress } from '../progress.js';
import { failOnJudgeErrors } from './eval-judge-errors.js';
import { requireDataDir } from './eval-data-dir.js';
import { openEvalJudge } from './eval-judge.js';

/** Options of `aligndial eval grade`. */
export interface EvalGradeOptions {
  answers: string;
  judge: string;
  out: string;
  bench: string;
  concurrency: number;
  budget?: number;
  /** A cache file, false for `--no-cache`, undefined for `<out>.cache.jsonl`. */
  cache?: string | false;
  dataDir?: string;
  backend?: BackendName | 'auto';
}

export function registerEvalGradeCommand(evalCommand: Command): void {
  const command = evalCommand
    .command('grade')
    .description('Grade each answer turn 1–10 with a model judge, MT-Bench style (FastChat single-answer prompts, reference-guided for math, reasoning and coding).')
    .requiredOption('--answers <file>', 'answers to a benchmark (JSONL from eval generate --bench mt-bench)')
    .requiredOption('--judge <spec>', 'judge: openai:MODEL[@BASE_URL] (key from $OPENAI_API_KEY) or local:DIR (rule judges cannot grade)')
    .requiredOption('--out <file>', 'grades file to write (JSONL, one line per answer turn)')
    .option('--bench <name>', 'benchmark the answers are for', 'mt-bench')
    .option('--concurrency <n>', 'turns graded at once', intOption(1, 256), 4)
    .option('--budget <n>', 'most judge requests this run may send; rerun to finish', intOption(1))
    .option('--cache <file>', 'judgment cache (default: <out>.cache.jsonl)')
    .option('--no-cache', 'do not read or write a judgment cache')
    .option('--data-dir <dir>', 'data folder with mt_bench/ (questions, reference answers, judge prompts; default: ../shared/data)');
  addBackendFlag(command);
  addJsonFlag(command);
  command
    .addHelpText(
      'after',
      [
        '',
        'Summarise the grades with `aligndial eval report --judgments GRADES` (mean per turn and category).',
        '',
        'Examples:',
        '  aligndial eval generate --model DIR --bench mt-bench --out mt.jsonl',
        '  aligndial eval grade --answers mt.jsonl --judge openai:gpt-4o --out mt.grades.jsonl',
        '  aligndial eval report --judgments mt.grades.jsonl',
      ].join('\n'),
    )
    .action(async (options: EvalGradeOptions & { json?: boolean }) => {
      const r = await runEvalGrade(options);
      printResult(options.json, r, () =>
        `${r.outFile}: ${r.graded}/${r.total} turns graded (errors ${r.errors}, requests ${r.requests}, cached calls ${r.cachedCalls})` +
        (r.budgetExhausted ? `\nrequest budget spent: ${r.pending} turns pending; rerun the same command to finish them` : ''));
      failOnJudgeErrors(r.errors, r.graded, 'turns', r.outFile);
    });
}

/** `aligndial eval grade`: MT-Bench single-answer grading with a progress bar. */
export async function runEvalGrade(options: EvalGradeOptions): Promise<GradeAnswersResult> {
  const judge = openEvalJudge(options.judge, options);
  if (judge.spec.kind === 'rule') throw new UsageError(`--judge ${options.judge}: rule judges only compare pairs; grading needs openai:MODEL or local:DIR`);
  const dataDir = requireDataDir(options.dataDir, 'eval grade');
  const answers = readAnswers(options.answers);
  const turns = answers.reduce((sum, a) => sum + (typeof a.output === 'string' ? 1 : a.output.length), 0);
  const progress = createProgress('grade', turns, { errors: 0, requests: 0 });
  try {
    return await gradeAnswers({
      answersFile: options.answers,
      dataDir,
      bench: options.bench,
      judge: judge.spec,
      judgeOptions: judge.judgeOptions,
      outFile: options.out,
      cacheFile: options.cache,
      concurrency: options.concurrency,
      budget: options.budget,
      onProgress: (p) => progress.update(p.done, { errors: p.errors, requests: p.requests }),
    });
  } finally {
    progress.stop();
    await judge.close();
  }
}
