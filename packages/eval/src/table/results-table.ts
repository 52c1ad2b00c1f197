import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EvalInputError } from '../errors.js';
import type { Interval } from '../metrics/bootstrap.js';
import { relativeImprovement } from '../metrics/relative-improvement.js';
import { reportJudgments } from '../metrics/report-judgments.js';
import { reportGrades } from '../metrics/summarize-grades.js';
import { parseTableFileName, rowKey } from './table-file-name.js';

/** A value with its 95% interval when one exists (percent, or MT-Bench's 1–10 score). */
export interface TableCell {
  value: number | null;
  ci95?: Interval;
  /** The file the value came from. */
  file?: string;
}

/** One row of a results table: a method at a λ (or without one). */
export interface TableRow {
  method: string;
  lambda?: number;
  /** AlpacaEval 2 length-controlled win rate, %. */
  alpacaEvalLc?: TableCell;
  /** AlpacaEval 2 win rate, %. */
  alpacaEvalWr?: TableCell;
  /** Arena-Hard win rate against its baseline, % (bootstrap CI). */
  arenaHard?: TableCell;
  /** MT-Bench mean score of turn 1 and turn 2 (1–10). */
  mtBench1?: TableCell;
  mtBench2?: TableCell;
  /** Net Win Δ % per other benchmark (bootstrap CI), and RI % against the `aligned` row. */
  netWin: Record<string, TableCell>;
  ri: Record<string, TableCell>;
}

/** A Table-1-style results table. */
export interface ResultsTable {
  rows: TableRow[];
  /** Benchmarks reported as Net Win / RI, in column order. */
  netWinBenches: string[];
}

/** Options for {@link buildResultsTable}. */
export interface ResultsTableOptions {
  /** The row (`METHOD` or `METHOD@λ`) whose Net Win is RI's denominator (AlignEZ: the aligned model). */
  aligned?: string;
  /** Bootstrap seed. */
  seed?: number;
  /** AlpacaEval instruction difficulty by id (the LC GLM's difficulty term). */
  difficulty?: ReadonlyMap<string, number>;
}

/**
 * Builds a results table from a folder of judgments and grades files named
 * `METHOD[@λ].BENCH.{judgments,grades}.jsonl` (see `parseTableFileName`): rows are method/λ,
 * columns AlpacaEval 2 LC and WR (judged with `--template alpaca-eval`; other templates give the
 * ties-as-½ win rate and the same GLM), Arena-Hard WR (`--template arena-hard`: Bradley–Terry with
 * bootstrap CI), MT-Bench turn 1 / turn 2 means (`eval grade`), and Net Win (+ RI) for any other
 * benchmark's judgments. Files with other names are ignored; a folder without any is an error.
 */
export function buildResultsTable(dir: string, options: ResultsTableOptions = {}): ResultsTable {
  const rows = new Map<string, TableRow>();
  const netWinBenches = new Set<string>();
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new EvalInputError('no such folder', { file: dir });
  const names = readdirSync(dir).sort();
  for (const name of names) {
    const parsed = parseTableFileName(name);
    if (!parsed) continue;
    const file = join(dir, name);
    const key = rowKey(parsed.method, parsed.lambda);
    let row = rows.get(key);
    if (!row) {
      row = { method: parsed.method, ...(parsed.lambda !== undefined ? { lambda: parsed.lambda } : {}), netWin: {}, ri: {} };
      rows.set(key, row);
    }
    if (parsed.kind === 'grades') {
      if (parsed.bench !== 'mt-bench') throw new EvalInputError(`grades are read for mt-bench only (name it METHOD[@λ].mt-bench.grades.jsonl)`, { file });
      const g = reportGrades(file);
      row.mtBench1 = { value: g.turns['1']?.mean ?? null, file };
      row.mtBench2 = { value: g.turns['2']?.mean ?? null, file };
      continue;
    }
    const r = reportJudgments(file, { seed: options.seed, difficulty: parsed.bench === 'alpaca-eval' ? options.difficulty : undefined });
    if (parsed.bench === 'alpaca-eval') {
      row.alpacaEvalLc = { value: r.alpacaEval?.lcWinRate ?? r.lcWinRate, file };
      row.alpacaEvalWr = r.alpacaEval ? { value: r.alpacaEval.winRate, file } : { value: r.winRateTiesHalf, ci95: r.ci95.winRateTiesHalf, file };
    } else if (parsed.bench === 'arena-hard') {
      row.arenaHard = r.arenaHard ? { value: r.arenaHard.winRate, ci95: r.arenaHard.ci95, file } : { value: r.winRateTiesHalf, ci95: r.ci95.winRateTiesHalf, file };
    } else {
      netWinBenches.add(parsed.bench);
      row.netWin[parsed.bench] = { value: r.netWin, ci95: r.ci95.netWin, file };
    }
  }
  if (rows.size === 0) {
    throw new EvalInputError('no results files named METHOD[@λ].BENCH.judgments.jsonl or METHOD[@λ].mt-bench.grades.jsonl', { file: dir });
  }
  const benches = [...netWinBenches].sort();
  if (options.aligned !== undefined) {
    const aligned = rows.get(options.aligned);
    if (!aligned) throw new EvalInputError(`no row "${options.aligned}" for RI (rows: ${[...rows.keys()].join(', ')})`, { file: dir });
    for (const row of rows.values()) {
      for (const bench of benches) {
        const ours = row.netWin[bench]?.value;
        const ref = aligned.netWin[bench]?.value;
        if (ours === undefined || ours === null || ref === undefined || ref === null) continue;
        row.ri[bench] = { value: relativeImprovement(ours, ref) };
      }
    }
  }
  const sorted = [...rows.values()].sort(
    (a, b) => a.method.localeCompare(b.method) || (a.lambda ?? -Infinity) - (b.lambda ?? -Infinity),
  );
  return { rows: sorted, netWinBenches: benches };
}

/** Column headers and cell texts of a table, shared by the Markdown and CSV renderings. */
function columns(table: ResultsTable, withRi: boolean): Array<{ title: string; cell: (row: TableRow) => TableCell | undefined }> {
  const cols: Array<{ title: string; cell: (row: TableRow) => TableCell | undefined }> = [
    { title: 'AlpacaEval LC %', cell: (r) => r.alpacaEvalLc },
    { title: 'AlpacaEval WR %', cell: (r) => r.alpacaEvalWr },
    { title: 'Arena-Hard WR %', cell: (r) => r.arenaHard },
    { title: 'MT-Bench turn 1', cell: (r) => r.mtBench1 },
    { title: 'MT-Bench turn 2', cell: (r) => r.mtBench2 },
  ];
  for (const bench of table.netWinBenches) {
    cols.push({ title: `Net Win % (${bench})`, cell: (r) => r.netWin[bench] });
    if (withRi) cols.push({ title: `RI % (${bench})`, cell: (r) => r.ri[bench] });
  }
  // Columns no row has are left out, so a table of one benchmark stays narrow.
  return cols.filter((c) => table.rows.some((r) => c.cell(r) !== undefined));
}

const fmt = (x: number | null | undefined, digits: number) => (x === null || x === undefined ? '—' : x.toFixed(digits));

/** Renders the table as Markdown: value with its 95% CI in brackets where one exists. */
export function formatResultsMarkdown(table: ResultsTable): string {
  const withRi = table.rows.some((r) => Object.keys(r.ri).length > 0);
  const cols = columns(table, withRi);
  const digits = (title: string) => (title.startsWith('MT-Bench') ? 2 : 1);
  const text = (title: string, c: TableCell | undefined) => {
    if (!c) return '';
    const v = fmt(c.value, digits(title));
    return c.ci95 ? `${v} [${fmt(c.ci95[0], 1)}, ${fmt(c.ci95[1], 1)}]` : v;
  };
  return [
    `| method | λ | ${cols.map((c) => c.title).join(' | ')} |`,
    `| --- | ---: | ${cols.map(() => '---:').join(' | ')} |`,
    ...table.rows.map((r) => `| ${r.method} | ${r.lambda ?? ''} | ${cols.map((c) => text(c.title, c.cell(r))).join(' | ')} |`),
    '',
  ].join('\n');
}

/** Renders the table as CSV: one column per value and, where it exists, `_ci_low` / `_ci_high`. */
export function formatResultsCsv(table: ResultsTable): string {
  const withRi = table.rows.some((r) => Object.keys(r.ri).length > 0);
  const cols = columns(table, withRi);
  const hasCi = cols.map((c) => table.rows.some((r) => c.cell(r)?.ci95 !== undefined));
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const header = ['method', 'lambda', ...cols.flatMap((c, i) => (hasCi[i] ? [c.title, `${c.title} ci_low`, `${c.title} ci_high`] : [c.title]))];
  const num = (x: number | null | undefined) => (x === null || x === undefined ? '' : String(x));
  const lines = table.rows.map((r) =>
    [
      r.method,
      r.lambda === undefined ? '' : String(r.lambda),
      ...cols.flatMap((c, i) => {
        const cell = c.cell(r);
        return hasCi[i] ? [num(cell?.value), num(cell?.ci95?.[0]), num(cell?.ci95?.[1])] : [num(cell?.value)];
      }),
    ].map(quote).join(','),
  );
  return `${[header.map(quote).join(','), ...lines].join('\n')}\n`;
}
