import { EvalInputError, type SweepReportResult, sweepReport } from '@aligndial/eval';
import type { Command } from 'commander';
import { UsageError } from '../cli-error.js';
import { addJsonFlag, printResult } from '../flag-vocabulary.js';
import { intOption } from '../option-parsers.js';

/** Options of `aligndial eval sweep`. */
export interface EvalSweepOptions {
  /** `LAMBDA=FILE` pairs. */
  runs: string[];
  out: string;
  title?: string;
  seed?: number;
}

export function registerEvalSweepCommand(evalCommand: Command): void {
  const command = evalCommand
    .command('sweep')
    .description('Tabulate and plot W %, L % and Net Win Δ against λ from one judgments file per λ (SVG and PNG).')
    .requiredOption('--runs <lambda=file...>', 'one LAMBDA=FILE per λ, each judging the model at that λ against the same baseline')
    .requiredOption('--out <prefix>', 'writes PREFIX.svg and PREFIX.png')
    .option('--title <text>', 'chart title')
    .option('--seed <s>', 'bootstrap seed for the Δ 95% intervals', intOption(0, 2 ** 32 - 1), 0);
  addJsonFlag(command);
  command
    .addHelpText(
      'after',
      [
        '',
        'Example:',
        '  aligndial eval sweep --runs 0=l0.jsonl 0.5=l05.jsonl 1=l1.jsonl --out plots/sweep --title "DPO-7B, λ sweep"',
      ].join('\n'),
    )
    .action(async (options: EvalSweepOptions & { json?: boolean }) => {
      const r = await runEvalSweep(options);
      printResult(options.json, r, () => `${r.markdown}\nwrote ${r.svgFile} and ${r.pngFile}`);
    });
}

/** Parses `LAMBDA=FILE` arguments (λ a finite number, each λ once). */
export function parseSweepRuns(args: readonly string[]): { lambda: number; judgmentsFile: string }[] {
  const seen = new Set<number>();
  return args.map((arg) => {
    const eq = arg.indexOf('=');
    const text = eq < 0 ? '' : arg.slice(0, eq).trim();
    const file = eq < 0 ? '' : arg.slice(eq + 1);
    const lambda = Number(text);
    if (text === '' || file === '' || !Number.isFinite(lambda)) {
      throw new UsageError(`--runs "${arg}": expected LAMBDA=FILE with a number for LAMBDA, e.g. 0.5=judgments-0.5.jsonl`);
    }
    if (seen.has(lambda)) throw new UsageError(`--runs: λ ${lambda} is given twice`);
    seen.add(lambda);
    return { lambda, judgmentsFile: file };
  });
}

/** `aligndial eval sweep`: the λ table and the SVG + PNG plot. */
export async function runEvalSweep(options: EvalSweepOptions): Promise<SweepReportResult> {
  const runs = parseSweepRuns(options.runs);
  if (runs.length === 0) throw new EvalInputError('a sweep needs at least one LAMBDA=FILE run');
  return sweepReport({ runs, outPrefix: options.out, title: options.title, seed: options.seed });
}
