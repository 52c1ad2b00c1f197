import type { TopLevelSpec } from 'vega-lite';
import { CHART_FONT } from '../sweep/chart-spec.js';
import type { ResultsTable, TableRow } from './results-table.js';

/** The percent-valued series a results chart draws, with how to read each from a row. */
const SERIES: Array<{ metric: string; value: (r: TableRow, bench?: string) => number | null | undefined }> = [
  { metric: 'AlpacaEval LC %', value: (r) => r.alpacaEvalLc?.value },
  { metric: 'AlpacaEval WR %', value: (r) => r.alpacaEvalWr?.value },
  { metric: 'Arena-Hard WR %', value: (r) => r.arenaHard?.value },
];

/**
 * Vega-Lite spec of a results table: each percent metric against λ, one line per method and
 * metric (methods without λ drawn as dashed horizontal reference lines), MT-Bench on its own
 * 1–10 panel.
 */
export function resultsChartSpec(table: ResultsTable, title = 'Results vs λ'): TopLevelSpec {
  const percent = table.rows.flatMap((r) => [
    ...SERIES.map((s) => ({ row: r, metric: s.metric, value: s.value(r) })),
    ...table.netWinBenches.map((b) => ({ row: r, metric: `Net Win % (${b})`, value: r.netWin[b]?.value })),
  ]);
  const mt = table.rows.flatMap((r) => [
    { row: r, metric: 'MT-Bench turn 1', value: r.mtBench1?.value },
    { row: r, metric: 'MT-Bench turn 2', value: r.mtBench2?.value },
  ]);
  const values = (points: typeof percent, withLambda: boolean) =>
    points
      .filter((p) => typeof p.value === 'number' && (p.row.lambda !== undefined) === withLambda)
      .map((p) => ({ method: p.row.method, lambda: p.row.lambda, metric: p.metric, series: `${p.row.method}: ${p.metric}`, value: p.value }));
  const panel = (points: typeof percent, yTitle: string) => ({
    width: 480,
    height: 260,
    layer: [
      {
        data: { values: values(points, true) },
        mark: { type: 'line' as const, point: true },
        encoding: {
          x: { field: 'lambda', type: 'quantitative' as const, title: 'λ' },
          y: { field: 'value', type: 'quantitative' as const, title: yTitle },
          color: { field: 'series', type: 'nominal' as const, title: null, legend: { labelLimit: 320 } },
        },
      },
      {
        data: { values: values(points, false) },
        mark: { type: 'rule' as const, strokeDash: [6, 4] },
        encoding: {
          y: { field: 'value', type: 'quantitative' as const },
          color: { field: 'series', type: 'nominal' as const, title: null, legend: { labelLimit: 320 } },
        },
      },
    ],
  });
  const has = (points: typeof percent) => points.some((p) => typeof p.value === 'number');
  const panels = [...(has(percent) ? [panel(percent, 'percent')] : []), ...(has(mt) ? [panel(mt, 'MT-Bench score (1–10)')] : [])];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    background: 'white',
    config: { font: CHART_FONT },
    vconcat: panels,
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}
