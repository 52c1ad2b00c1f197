import { type WrittenResultsTable, readInstructionDifficulty, writeResultsTable } from '@aligndial/eval';
import { FLAG_VOCABULARY } from '../flag-vocabulary.js';
import type { Command } from 'commander';
import { intOption } from '../option-parsers.js';

/** Options of `aligndial eval table`. */
export interface EvalTableOptions {
  dir: string;
  out: string;
  aligned?: string;
  title?: string;
  seed: number;
  instructionDifficulty?: string;
  json?: boolean;
}

export function registerEvalTableCommand(evalCommand: Command): void {
  evalCommand
    .command('table')
    .description('Tabulate methods × λ × benchmarks like CLM Table 1 / AlignEZ Table 1 from a folder of judgments and grades files (Markdown, CSV and a plot).')
    .requiredOption('--dir <folder>', 'folder of results files named METHOD[@λ].BENCH.judgments.jsonl or METHOD[@λ].mt-bench.grades.jsonl')
    .requiredOption('--out <prefix>', 'writes PREFIX.md, PREFIX.csv, PREFIX.svg and PREFIX.png')
    .option('--aligned <row>', 'row (METHOD or METHOD@λ) whose Net Win is the denominator of RI (AlignEZ: the aligned model)')
    .option('--title <text>', 'chart title')
    .option('--seed <s>', 'bootstrap seed for the 95% intervals', intOption(0, 2 ** 32 - 1), 0)
    .option('--instruction-difficulty <csv>', "AlpacaEval's instruction_difficulty.csv, for the LC win rate's difficulty term")
    .option('--json', `${FLAG_VOCABULARY['--json']} (the table, instead of Markdown)`)
    .addHelpText(
      'after',
      [
        '',
        'Columns (each only when some file provides it): AlpacaEval LC % and WR % from BENCH = alpaca-eval',
        '(judged with --template alpaca-eval), Arena-Hard WR % with its bootstrap 95% CI from arena-hard',
        '(--template arena-hard), MT-Bench turn 1 / turn 2 means from mt-bench grades (eval grade), and',
        'Net Win % with its 95% CI (and RI % with --aligned) for any other benchmark, e.g. just-eval.',
        'Each judgments file compares METHOD at λ (A) against the benchmark\'s baseline (B).',
        '',
        'Example folder:',
        '  clm@0.5.alpaca-eval.judgments.jsonl  clm@1.arena-hard.judgments.jsonl  clm@1.mt-bench.grades.jsonl',
        '  dpo.just-eval.judgments.jsonl        alignez.just-eval.judgments.jsonl',
        '',
        'Example:',
        '  aligndial eval table --dir results --out results/table1 --aligned dpo',
      ].join('\n'),
    )
    .action(async (options: EvalTableOptions) => {
      const r = await runEvalTable(options);
      if (options.json) process.stdout.write(`${JSON.stringify({ ...r.table, files: r.files })}\n`);
      else process.stdout.write(`${r.markdown}\nwrote ${Object.values(r.files).join(', ')}\n`);
    });
}

/** `aligndial eval table`: the results table from a folder, written as Markdown, CSV, SVG and PNG. */
export async function runEvalTable(options: EvalTableOptions): Promise<WrittenResultsTable> {
  const difficulty = options.instructionDifficulty ? readInstructionDifficulty(options.instructionDifficulty) : undefined;
  return writeResultsTable(options.dir, options.out, { aligned: options.aligned, title: options.title, seed: options.seed, difficulty });
}
