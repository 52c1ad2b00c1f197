import { importAnswers, loadBench, writeReferenceAnswers } from '@aligndial/eval';
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
  evalCommand
    .command('reference')
    .description(
      "Write a baseline answers file to compare against: a benchmark's shipped reference outputs (AlpacaEval 2's baseline, just-eval's references), or with --from another tool's answers (Arena-Hard's gpt-4-0314 answers from arena-hard-auto).",
    )
    .requiredOption('--bench <name>', 'alpaca-eval or just-eval[:SLICE] (shipped references); with --from any benchmark, e.g. arena-hard')
    .option('--from <file>', "answers in arena-hard-auto's or FastChat's format (question_id/uid + choices[0].turns or messages), matched to the benchmark's prompts")
    .requiredOption('--out <file>', 'answers file to write (JSONL {"id","prompt","output"})')
    .option('--limit <n>', 'only the first n prompts', intOption(1))
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
    .action((options: EvalReferenceOptions) => {
      const n = runEvalReference(options);
      process.stdout.write(`${options.out}: ${n} reference answers\n`);
    });
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
