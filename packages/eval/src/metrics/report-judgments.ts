import { type JudgmentRecord, readJudgments } from '../compare/judgment-record.js';
import { EvalInputError } from '../errors.js';
import type { BootstrapOptions } from './bootstrap.js';
import { type AlpacaEvalScore, alpacaEvalScore, recordPreference } from './alpaca-eval.js';
import { type ArenaHardScore, arenaHardScore } from './arena-hard.js';
import { lengthControlledWinRate } from './length-controlled.js';
import { ALPACA_EVAL_TEMPLATE } from '../judge/alpaca-eval-template.js';
import { ARENA_HARD_TEMPLATE } from '../judge/arena-hard-template.js';
import { summarizeVerdicts, type VerdictSummary } from './summarize-verdicts.js';

/**
 * Everything `aligndial eval report` shows for a judgments file, in percent: the
 * {@link VerdictSummary} (its JSON has `n`, `winRate`, `loseRate`, `tieRate`, `errorRate`,
 * `netWin`, `ci95.netWin`), the AlpacaEval win rate with ties as ½ and the length-controlled win rate.
 */
export interface JudgmentReport extends VerdictSummary {
  file: string;
  /** AlpacaEval 2 length-controlled win rate (see `lengthControlledWinRate`). */
  lcWinRate: number;
  /** Pairs the judge saw inconsistently in swap mode (counted as ties). */
  inconsistent: number;
  /** Arena-Hard's Bradley–Terry score, when the file was judged with the `arena-hard-v0.1` template. */
  arenaHard?: ArenaHardScore;
  /** AlpacaEval 2's win rates, when judged with the `weighted_alpaca_eval_gpt4_turbo` template. */
  alpacaEval?: AlpacaEvalScore;
}

/** Options for {@link reportJudgments}. */
export interface ReportJudgmentsOptions extends BootstrapOptions {
  /** AlpacaEval instruction difficulty by id, for the LC GLM's difficulty term. */
  difficulty?: ReadonlyMap<string, number>;
}

/**
 * Reads a judgments file and summarises its verdicts; an empty file or one with only errors
 * throws {@link EvalInputError} naming the file.
 */
export function summarizeJudgmentsFile(file: string, options: BootstrapOptions = {}): { records: JudgmentRecord[]; summary: VerdictSummary } {
  const records = readJudgments(file);
  try {
    return { records, summary: summarizeVerdicts(records.map((r) => r.verdict), options) };
  } catch (err) {
    if (err instanceof EvalInputError) throw new EvalInputError(err.message, { file });
    throw err;
  }
}

/** Reads a judgments file and computes its report (throws {@link EvalInputError} when empty). */
export function reportJudgments(file: string, options: ReportJudgmentsOptions = {}): JudgmentReport {
  const { records, summary } = summarizeJudgmentsFile(file, options);
  const templates = new Set(records.map((r) => r.template));
  const only = (name: string) => templates.size === 1 && templates.has(name);
  try {
    const alpacaEval = only(ALPACA_EVAL_TEMPLATE.name) ? alpacaEvalScore(records, { difficulty: options.difficulty }) : undefined;
    const lcRows = records.flatMap((r) => {
      const preference = recordPreference(r);
      return preference === undefined ? [] : [{ preference, lengthModel: r.lengthA, lengthBaseline: r.lengthB }];
    });
    return {
      file,
      ...summary,
      lcWinRate: alpacaEval?.lcWinRate ?? lengthControlledWinRate(lcRows).lcWinRate,
      inconsistent: records.filter((r) => r.inconsistent).length,
      ...(only(ARENA_HARD_TEMPLATE.name) ? { arenaHard: arenaHardScore(records, { seed: options.seed }) } : {}),
      ...(alpacaEval ? { alpacaEval } : {}),
    };
  } catch (err) {
    if (err instanceof EvalInputError) throw new EvalInputError(err.message, { file });
    throw err;
  }
}

const f1 = (x: number) => x.toFixed(1);
const ci = ([lo, hi]: [number, number]) => `[${f1(lo)}, ${f1(hi)}]`;

/** Renders a {@link JudgmentReport} as a Markdown table (the default `eval report` output). */
export function formatJudgmentReport(report: JudgmentReport): string {
  const rows = [
    ['Win (W %)', f1(report.winRate), ci(report.ci95.winRate)],
    ['Lose (L %)', f1(report.loseRate), ci(report.ci95.loseRate)],
    ['Tie (T %)', f1(report.tieRate), ci(report.ci95.tieRate)],
    ['Net Win (Δ = W − L)', f1(report.netWin), ci(report.ci95.netWin)],
    ['Win rate, ties ½', f1(report.winRateTiesHalf), ci(report.ci95.winRateTiesHalf)],
    ['LC win rate', f1(report.lcWinRate), ''],
    ['Errors (% of all)', f1(report.errorRate), ''],
  ];
  const protocol: string[] = [];
  if (report.arenaHard) {
    const a = report.arenaHard;
    protocol.push(
      `| Arena-Hard win rate (Bradley–Terry) | ${f1(a.winRate)} | ${ci(a.ci95)} |`,
    );
  }
  if (report.alpacaEval) {
    const a = report.alpacaEval;
    protocol.push(`| AlpacaEval 2 win rate (± s.e. ${f1(a.standardError)}) | ${f1(a.winRate)} | |`);
    protocol.push(`| AlpacaEval 2 LC win rate | ${f1(a.lcWinRate)} | |`);
  }
  const notes: string[] = [];
  if (report.arenaHard) {
    const a = report.arenaHard;
    notes.push(
      `Arena-Hard: ${a.battles} battles from ${a.games} games (${a.droppedGames} dropped), Elo ${f1(a.elo)} vs baseline 1000, ${a.rounds} bootstrap rounds.`,
    );
  }
  return [
    `**${report.file}**: ${report.n} pairs, ${report.judged} judged (W ${report.wins} / L ${report.losses} / T ${report.ties}), ` +
      `${report.errors} errors${report.inconsistent ? `, ${report.inconsistent} inconsistent under swap (ties)` : ''}`,
    '',
    '| metric | % | 95% CI |',
    '| --- | ---: | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    ...protocol,
    '',
    ...(notes.length > 0 ? [...notes, ''] : []),
  ].join('\n');
}
