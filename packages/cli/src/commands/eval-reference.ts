import { importAnswers, loadBench, writeReferenceAnswers } from '@aligndial/eval';
import { FLAG_VOCABULARY, addDeprecatedFlag, printResult } from '../flag-vocabulary.js';
import type { Command } from 'commander';
import { intOption } from '../option-parsers.js';
import { requireDataDir } from './eval-data-dir.js';

/** Options of `aligndial eval reference`. */
export interface EvalReferenceOptions {
  bench: string;
  out: string;
  limit?: number;
  dataDir?: string;
  /** Another tool's answers to convert instead (arena-hard-auto, FastChat). */
  from?: string;
}

export function registerEvalReferenceCommand(evalCommand: Command): void {
  const command = evalCommand
    .command('reference')
    .description(
      "Write a baseline answers file to compare against: a benchmark's shipped reference outputs (AlpacaEval 2's baseline, just-eval's references), or with --from another tool's answers (Arena-Hard's gpt-4-0314 answers from arena-hard-auto).",
    )
    .requiredOption('--bench <name>', 'alpaca-eval or just-eval[:SLICE] (shipped references); with --from any benchmark, e.g. arena-hard')
    .option('--from <file>', "answers in arena-hard-auto's or FastChat's format (question_id/uid + choices[0].turns or messages), matched to the benchmark's prompts")
    .requiredOption('--out <file>', 'answers file to write (JSONL {"id","prompt","output"})')
    .option('--max-samples <n>', 'use at most the first N samples (prompts)', intOption(1))
    .option('--json', FLAG_VOCABULARY['--json'])
    .option('--data-dir <dir>', 'benchmark data folder (default: ../shared/data)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  aligndial eval reference --bench alpaca-eval --out answers/alpaca-eval-baseline.jsonl',
        '  aligndial eval reference --bench arena-hard --from arena-hard-auto/data/arena-hard-v0.1/model_answer/gpt-4-0314.jsonl --out answers/gpt-4-0314.arena-hard.jsonl',
      ].join('\n'),
    )
    .action((options: Omit<EvalReferenceOptions, 'limit'> & { maxSamples?: number; json?: boolean }) => {
      const n = runEvalReference({ ...options, limit: options.maxSamples });
      printResult(options.json, { out: options.out, answers: n }, (r) => `${r.out}: ${r.answers} reference answers`);
    });
  addDeprecatedFlag(command, { old: '--limit', replacement: '--max-samples' });
}

/** `aligndial eval reference`: the benchmark's reference outputs, or another tool's answers, as an answers file. */
export function runEvalReference(options: EvalReferenceOptions): number {
  const dataDir = requireDataDir(options.dataDir, `--bench ${options.bench}`);
  if (options.from === undefined) return writeReferenceAnswers(options.bench, dataDir, options.out, { limit: options.limit });
  const all = loadBench(options.bench, dataDir);
  const items = options.limit === undefined ? all : all.slice(0, options.limit);
  const otherIds = new Set(all.slice(items.length).map((item) => item.id));
  return importAnswers(options.from, items, options.out, { otherIds });
}
