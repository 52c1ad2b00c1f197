import { type RelativeImprovementReport, relativeImprovementFromFiles } from '@aligndial/eval';
import type { Command } from 'commander';
import { addJsonFlag } from '../flag-vocabulary.js';

/** Options of `aligndial eval ri`. */
export interface EvalRiOptions {
  ours: string;
  aligned: string;
  json?: boolean;
}

export function registerEvalRiCommand(evalCommand: Command): void {
  const command = evalCommand
    .command('ri')
    .description('Relative Improvement RI = Δ(ours vs base) / Δ(aligned vs base) × 100 (AlignEZ Sec. 4), from two judgments files.')
    .requiredOption('--ours <file>', 'judgments of ours (A) vs the base model (B)')
    .requiredOption('--aligned <file>', 'judgments of the fully aligned model (A) vs the same base (B)');
  addJsonFlag(command);
  command
    .addHelpText(
      'after',
      [
        '',
        'RI is undefined (null) when the aligned model does not beat the base (its Net Win Δ ≤ 0).',
        'With --json: {"ri", "oursNetWin", "alignedNetWin"}, or {"ri": null, "reason", …} when undefined.',
        '',
        'Example:',
        '  aligndial eval ri --ours ours-vs-base.jsonl --aligned dpo-vs-base.jsonl --json',
      ].join('\n'),
    )
    .action((options: EvalRiOptions) => {
      const r = runEvalRi(options);
      if (options.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else {
        const nets = `Net Win: ours ${r.oursNetWin.toFixed(1)} %, aligned ${r.alignedNetWin.toFixed(1)} %`;
        process.stdout.write(r.ri === null ? `RI undefined: ${r.reason} (${nets})\n` : `RI = ${r.ri.toFixed(1)} % (${nets})\n`);
      }
    });
}

/** `aligndial eval ri`: RI from two judgments files (`ri` null, with a `reason`, when undefined). */
export function runEvalRi(options: EvalRiOptions): RelativeImprovementReport {
  return relativeImprovementFromFiles({ oursFile: options.ours, alignedFile: options.aligned });
}
