import { writeFileAtomic } from '../io/jsonl.js';
import { renderVegaLiteSvg } from '../sweep/render-svg.js';
import { svgToPng } from '../sweep/svg-to-png.js';
import { buildResultsTable, formatResultsCsv, formatResultsMarkdown, type ResultsTable, type ResultsTableOptions } from './results-table.js';
import { resultsChartSpec } from './table-chart.js';

/** What {@link writeResultsTable} wrote. */
export interface WrittenResultsTable {
  table: ResultsTable;
  markdown: string;
  files: { markdown: string; csv: string; svg: string; png: string };
}

/**
 * `aligndial eval table`: builds the table from a folder of results files and writes
 * `<outPrefix>.md`, `.csv`, `.svg` and `.png` (each atomically).
 */
export async function writeResultsTable(dir: string, outPrefix: string, options: ResultsTableOptions & { title?: string } = {}): Promise<WrittenResultsTable> {
  const table = buildResultsTable(dir, options);
  const markdown = formatResultsMarkdown(table);
  const files = { markdown: `${outPrefix}.md`, csv: `${outPrefix}.csv`, svg: `${outPrefix}.svg`, png: `${outPrefix}.png` };
  const svg = await renderVegaLiteSvg(resultsChartSpec(table, options.title));
  writeFileAtomic(files.markdown, markdown);
  writeFileAtomic(files.csv, formatResultsCsv(table));
  writeFileAtomic(files.svg, svg);
  writeFileAtomic(files.png, await svgToPng(svg));
  return { table, markdown, files };
}
