import {
  EvalInputError,
  type GradeSummary,
  type JudgmentReport,
  formatGradeReport,
  formatJudgmentReport,
  readInstructionDifficulty,
  readJsonl,
  reportGrades,
  reportJudgments,
} from '@aligndial/eval';
import type { Command } from 'commander';
import { addJsonFlag } from '../flag-vocabulary.js';
import { intOption } from '../option-parsers.js';

/** Options of `aligndial eval report`. */
export interface EvalReportOptions {
  judgments: string;
  json?: boolean;
  seed: number;
  /** AlpacaEval's instruction_difficulty.csv, for the LC GLM's difficulty term. */
  instructionDifficulty?: string;
}

/** What `eval report` found in the file: pairwise judgments or MT-Bench grades. */
export type EvalReport = { kind: 'judgments'; report: JudgmentReport } | { kind: 'grades'; report: GradeSummary & { file: string } };

export function registerEvalReportCommand(evalCommand: Command): void {
  const command = evalCommand
    .command('report')
    .description('Summarise a judgments file (W/L/T %, Net Win Δ with 95% CI, win rate, LC win rate) or a grades file (MT-Bench means per turn and category).')
    .requiredOption('--judgments <file>', 'judgments (from eval compare) or grades (from eval grade); told apart by content')
    .option('--seed <s>', 'bootstrap seed for the 95% intervals', intOption(0, 2 ** 32 - 1), 0)
    .option('--instruction-difficulty <csv>', "AlpacaEval's instruction_difficulty.csv (index,difficulty): adds the difficulty term to the LC win rate's GLM");
  addJsonFlag(command);
  command
    .addHelpText(
      'after',
      [
        '',
        'JSON for judgments: {"n","winRate","loseRate","tieRate","errorRate","netWin","ci95":{"netWin":[lo,hi],...},',
        '"winRateTiesHalf","lcWinRate",...}, all in percent; W, L and T are over judged pairs, errors over all pairs.',
        'Judged with --template arena-hard the report adds "arenaHard" (Bradley–Terry win rate against the',
        'baseline with a 100-round bootstrap 95% CI); with --template alpaca-eval it adds "alpacaEval" (win',
        'rate from the soft preferences, its standard error, and the length-controlled win rate). Formulas:',
        'docs/protocols.md.',
        'JSON for grades: {"mean","n","total","errors","errorRate","turns":{...},"categories":{...}}.',
        '',
        'Examples:',
        '  aligndial eval report --judgments ours-vs-base.jsonl',
        '  aligndial eval report --judgments ours-vs-base.jsonl --json',
        '  aligndial eval report --judgments mt.grades.jsonl',
      ].join('\n'),
    )
    .action((options: EvalReportOptions) => {
      const result = runEvalReport(options);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result.report)}\n`);
      } else if (result.kind === 'judgments') {
        process.stdout.write(formatJudgmentReport(result.report));
      } else {
        process.stdout.write(`**${result.report.file}**: MT-Bench grades (1–10)\n\n${formatGradeReport(result.report)}`);
      }
    });
}

/** Whether a file holds grades (`turn` and `score` fields) rather than judgments (`verdict`), by its first line. */
export function detectReportKind(file: string): 'judgments' | 'grades' {
  const first = readJsonl(file)[0];
  if (first === undefined) return 'judgments'; // empty: the judgments reader says so, naming the file
  const value = first.value as Record<string, unknown> | null;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    if ('verdict' in value) return 'judgments';
    if ('score' in value && 'turn' in value) return 'grades';
  }
  throw new EvalInputError('neither a judgments line (field "verdict", from eval compare) nor a grades line (fields "turn" and "score", from eval grade)', {
    file,
    line: first.line,
  });
}

/** `aligndial eval report`: the summary of a judgments or grades file. */
export function runEvalReport(options: EvalReportOptions): EvalReport {
  if (detectReportKind(options.judgments) === 'grades') {
    return { kind: 'grades', report: { file: options.judgments, ...reportGrades(options.judgments) } };
  }
  const difficulty = options.instructionDifficulty ? readInstructionDifficulty(options.instructionDifficulty) : undefined;
  const r = reportJudgments(options.judgments, { seed: options.seed, difficulty });
  // The fields the issue names come first; the rest of the report follows.
  const { n, winRate, loseRate, tieRate, errorRate, netWin, ci95, ...rest } = r;
  return { kind: 'judgments', report: { n, winRate, loseRate, tieRate, errorRate, netWin, ci95, ...rest } };
}
