import { writeFileSync } from 'node:fs';
import { writeFileAtomic } from '@aligndial/core';
import { CHART_FONT, renderVegaLiteSvg, svgToPng } from '@aligndial/eval';
import { type ExperimentResult, type ExperimentRow, fmt } from './run-experiment.js';

/** The results as a Markdown table: one row per (method, dial), then each method's training. */
export function experimentTable(result: ExperimentResult): string {
  const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  const line = (r: ExperimentRow) =>
    `| ${r.method} | ${r.dial} | ${fmt(r.reward)} | ${r.method === 'base' ? '–' : fmt(r.gain)} | ${fmt(r.logProb)} | ${r.method === 'base' ? '–' : fmt(r.logProbDelta)} | ${f(r.distinct1)} | ${f(r.distinct2)} | ${(100 * r.identicalToBase).toFixed(0)} % |`;
  const methods = result.methods.map((m) => {
    const h = m.hyperparameters;
    return `| ${m.method} | ${m.trainableParameters.toLocaleString('en-US')} | ${h ? `β ${h.beta}, lr ${h.learningRate}, ${h.epochs} ep` : '–'} | ${m.steps} | ${m.trainWallSeconds} / ${m.trainCpuSeconds} | ${m.selectionWallSeconds} / ${m.selectionCpuSeconds} |`;
  });
  const d = result.data;
  return [
    `Model \`${result.model}\`, reward \`${result.reward}\`: ${d.pairs} preference pairs from ${d.trainPrompts} training prompts (mean reward chosen ${d.meanChosenReward}, rejected ${d.meanRejectedReward}; ${d.selectionPairs} held out to choose hyperparameters); ${d.evalPrompts} held-out prompts × ${String(result.settings.samplesPerPrompt)} seeded samples (temperature ${String(result.settings.temperature)}, ${String(result.settings.maxNewTokens)} tokens).`,
    'Gain and Δ log-prob are paired with the base model (same prompts, same seeds), mean ± s.e. over prompts. Log-prob: mean per-token log-probability of the samples under the base model.',
    '',
    '| method | λ / α | reward | gain vs base | log-prob | Δ log-prob | distinct-1 | distinct-2 | = base |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    line(result.base),
    ...result.rows.map(line),
    '',
    '| method | trainable parameters | chosen (held-out pairs) | steps | train wall / CPU s | selection wall / CPU s |',
    '| --- | ---: | --- | ---: | ---: | ---: |',
    ...methods,
    '',
    `Total: ${result.wallSeconds} s wall, ${result.cpuSeconds} s CPU.`,
    '',
  ].join('\n');
}

/**
 * Vega-Lite spec: reward gain (± s.e.) against the dial per method (top), and the fluency check —
 * log-prob under the base model — against the same axis (bottom). DPO models sit at dial 1.
 */
export function experimentChartSpec(result: ExperimentResult): Parameters<typeof renderVegaLiteSvg>[0] {
  const rows = [result.base, ...result.rows].map((r) => ({
    method: r.method,
    dial: r.dial,
    gain: r.method === 'base' ? 0 : r.gain.mean,
    lo: r.method === 'base' ? 0 : r.gain.mean - r.gain.se,
    hi: r.method === 'base' ? 0 : r.gain.mean + r.gain.se,
    logProb: r.logProb.mean,
    logLo: r.logProb.mean - r.logProb.se,
    logHi: r.logProb.mean + r.logProb.se,
  }));
  const x = { field: 'dial', type: 'quantitative', title: 'λ (CLM) / α (AlignEZ); DPO models at 1' } as const;
  const color = { field: 'method', type: 'nominal', title: 'method' } as const;
  const panel = (field: string, lo: string, hi: string, title: string) => ({
    width: 460,
    height: 220,
    layer: [
      { mark: { type: 'line', point: true }, encoding: { x, y: { field, type: 'quantitative', title }, color } },
      { mark: { type: 'rule', opacity: 0.6 }, encoding: { x, y: { field: lo, type: 'quantitative' }, y2: { field: hi }, color } },
    ],
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Reward gain and fluency vs dial (${result.reward})`,
    background: 'white',
    config: { font: CHART_FONT },
    data: { values: rows },
    vconcat: [panel('gain', 'lo', 'hi', 'reward gain vs base (± s.e.)'), panel('logProb', 'logLo', 'logHi', 'log-prob / token under base')],
  } as unknown as Parameters<typeof renderVegaLiteSvg>[0];
}

/** Writes table.md and the plot (`plot.svg`, and `plot.png` when rasterising works); returns the files written. */
export async function writeExperimentReport(result: ExperimentResult, outPrefix: string, warn: (m: string) => void): Promise<string[]> {
  writeFileAtomic(result.files.table, experimentTable(result));
  const files = [result.files.table];
  const svg = await renderVegaLiteSvg(experimentChartSpec(result));
  writeFileAtomic(`${outPrefix}.svg`, svg);
  files.push(`${outPrefix}.svg`);
  try {
    writeFileSync(`${outPrefix}.png`, await svgToPng(svg));
    files.push(`${outPrefix}.png`);
  } catch (error) {
    warn(`the PNG plot could not be written (${(error as Error).message}); the SVG is there`);
  }
  return files;
}
