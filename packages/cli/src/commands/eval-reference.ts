import { writeReferenceAnswers } from '@aligndial/eval';
import type { Command } from 'commander';
import { intOption } from '../option-parsers.js';
import { requireDataDir } from './eval-data-dir.js';

/** Options of `aligndial eval reference`. */
export interface EvalReferenceOptions {
  bench: string;
  out: string;
  limit?: number;
  dataDir?: string;
}

export function registerEvalReferenceCommand(evalCommand: Command): void {
  evalCommand
    .command('reference')
    .description("Write a benchmark's shipped reference outputs (AlpacaEval 2's baseline, just-eval's references) as an answers file, to compare against.")
    .requiredOption('--bench <name>', 'alpaca-eval, or just-eval[:SLICE]')
    .requiredOption('--out <file>', 'answers file to write (JSONL {"id","prompt","output"})')
    .option('--limit <n>', 'only the first n prompts', intOption(1))
    .option('--data-dir <dir>', 'benchmark data folder (default: ../shared/data)')
    .addHelpText('after', '\nExample:\n  aligndial eval reference --bench alpaca-eval --out answers/alpaca-eval-baseline.jsonl')
    .action((options: EvalReferenceOptions) => {
      const n = runEvalReference(options);
      process.stdout.write(`${options.out}: ${n} reference answers\n`);
    });
}

/** `aligndial eval reference`: the benchmark's reference outputs as an answers file. */
export function runEvalReference(options: EvalReferenceOptions): number {
  return writeReferenceAnswers(options.bench, requireDataDir(options.dataDir, `--bench ${options.bench}`), options.out, { limit: options.limit });
}
