import type { Command } from 'commander';
import { registerEvalCompareCommand } from './eval-compare.js';
import { registerEvalGenerateCommand } from './eval-generate.js';
import { registerEvalGradeCommand } from './eval-grade.js';
import { registerEvalReferenceCommand } from './eval-reference.js';
import { registerEvalReportCommand } from './eval-report.js';
import { registerEvalRiCommand } from './eval-ri.js';
import { registerEvalSweepCommand } from './eval-sweep.js';
import { registerEvalTableCommand } from './eval-table.js';

/** The `aligndial eval` command group: generate answers, judge them, and report. */
export function registerEvalCommands(program: Command): void {
  const evalCommand = program
    .command('eval')
    .description('Evaluate with an LLM judge: generate answers, compare or grade them, report W/L/T, Net Win, RI and λ sweeps.')
    .addHelpText(
      'after',
      [
        '',
        'A typical run (A = ours: the CLM adapter at λ = 1, B = the base model):',
        '  aligndial clm train --model DIR --data prefs.jsonl --out ./adapter',
        '  aligndial eval generate --model DIR --bench just-eval:helpfulness --out base.jsonl',
        '  aligndial eval generate --model DIR --adapter ./adapter --lambda 1 --bench just-eval:helpfulness --out ours.jsonl',
        '  aligndial eval compare --a ours.jsonl --b base.jsonl --judge openai:gpt-4o-mini --out ours-vs-base.jsonl --swap',
        '  aligndial eval report --judgments ours-vs-base.jsonl',
        '',
        'The papers\' benchmarks with their own protocols, tabulated (docs/reproduce.md):',
        '  aligndial eval reference --bench alpaca-eval --out ae-baseline.jsonl',
        '  aligndial eval compare --a ours.jsonl --b ae-baseline.jsonl --judge openai:MODEL@URL --template alpaca-eval --out results/clm@1.alpaca-eval.judgments.jsonl',
        '  aligndial eval table --dir results --out results/table1',
      ].join('\n'),
    );
  registerEvalGenerateCommand(evalCommand);
  registerEvalCompareCommand(evalCommand);
  registerEvalGradeCommand(evalCommand);
  registerEvalReportCommand(evalCommand);
  registerEvalRiCommand(evalCommand);
  registerEvalSweepCommand(evalCommand);
  registerEvalTableCommand(evalCommand);
  registerEvalReferenceCommand(evalCommand);
}
