import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AligndialError, Rng, type StepDecoder, Tokenizer, type Transformer, createModelDecoder, loadModel, writeFileAtomic } from '@aligndial/core';
import type { TokenizedPreference } from '@aligndial/dpo';
import { distinctN, meanTokenLogProbs } from './fluency.js';
import { type MethodSpec, hasDial } from './methods.js';
import { type MeanSe, meanSe, pairedDifference } from './paired-stats.js';
import { type RewardPair, buildRewardPairs, tokenizedPair } from './preference-pairs.js';
import { type NamedReward, scoreAll } from './reward-function.js';
import { type SeededSample, sampleRows, sampleWithSeeds } from './seeded-sampling.js';
import { splitPrompts } from './story-prompts.js';
import { type Hyperparameters, type MethodModel, type PairTexts, type TrainingSettings, trainMethod } from './train-method.js';

/** The hyperparameter grid searched per method (every combination). */
export interface HyperGrid {
  betas: number[];
  learningRates: number[];
  epochs: number[];
}

export interface ExperimentOptions {
  /** Base model directory (Hugging Face layout). */
  model: string;
  out: string;
  methods: MethodSpec[];
  /** Dial values of CLM (λ) and AlignEZ (α); DPO models are sampled once. */
  lambdas: number[];
  reward: NamedReward;
  /** All prompts; split into evaluation prompts and training prompts. */
  prompts: string[];
  evalPrompts: number;
  /** Use at most this many training prompts (default all that are left). */
  trainPrompts?: number;
  /** Samples per training prompt from which the pair (best, worst) is built. */
  pairSamples: number;
  /** Samples per evaluation prompt. */
  samples: number;
  maxNewTokens: number;
  temperature: number;
  grid: HyperGrid;
  /** Fraction of the training pairs held out to choose hyperparameters (never the evaluation prompts). */
  selectionHoldout: number;
  settings: TrainingSettings;
  seed: number;
  /** Rows per sampling batch. */
  samplingBatchSize: number;
  /** Progress of long phases. */
  onProgress?: (phase: string, done: number, total: number) => void;
  /** One line per finished phase. */
  log?: (line: string) => void;
}

/** One (method, dial) row of the results. */
export interface ExperimentRow {
  method: string;
  /** λ for CLM, α for AlignEZ, 1 for DPO models, 0 for the base. */
  dial: number;
  /** Mean reward per sample ± s.e. over prompts' means. */
  reward: MeanSe;
  /** Paired by prompt: this row's mean reward minus the base model's on the same prompts and seeds. */
  gain: MeanSe;
  /** Mean per-token log-prob of the samples under the base model. */
  logProb: MeanSe;
  /** Paired by prompt, minus the base samples' log-prob. */
  logProbDelta: MeanSe;
  distinct1: number;
  distinct2: number;
  /** Fraction of samples byte-identical to the base model's sample with the same seed. */
  identicalToBase: number;
  samplingSeconds: number;
}

/** A method's training: what was searched, what was chosen, what it cost. */
export interface MethodSummary {
  method: string;
  trainableParameters: number;
  /** Chosen hyperparameters (absent for AlignEZ, which is not trained). */
  hyperparameters?: Hyperparameters;
  /** Held-out (selection split) DPO loss and accuracy of every grid point. */
  selection: (Hyperparameters & { heldOutLoss: number; heldOutAccuracy: number })[];
  selectionWallSeconds: number;
  selectionCpuSeconds: number;
  /** The final run on all training pairs. */
  steps: number;
  trainWallSeconds: number;
  trainCpuSeconds: number;
  metricsFile?: string;
}

export interface ExperimentResult {
  model: string;
  reward: string;
  settings: Record<string, unknown>;
  data: { trainPrompts: number; evalPrompts: number; pairs: number; selectionPairs: number; meanChosenReward: number; meanRejectedReward: number };
  base: ExperimentRow;
  rows: ExperimentRow[];
  methods: MethodSummary[];
  wallSeconds: number;
  cpuSeconds: number;
  files: { results: string; samples: string; pairs: string; table: string };
}

const round = (x: number, digits = 4) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);

/** Every grid point, β outermost. */
export function gridPoints(grid: HyperGrid): Hyperparameters[] {
  return grid.betas.flatMap((beta) => grid.learningRates.flatMap((learningRate) => grid.epochs.map((epochs) => ({ beta, learningRate, epochs }))));
}

/**
 * A controlled alignment experiment (in the style of the DPO paper's controlled-sentiment task) on any
 * checkpoint: preference pairs from the model's own samples scored by a programmatic reward, every method
 * trained on them with hyperparameters chosen on a held-out split of the pairs, then N seeded samples per
 * held-out prompt for every method and dial value, scored for reward and fluency against the base model
 * with paired differences. Writes results.json, samples.jsonl, pairs.jsonl, table.md (and the caller a plot).
 */
export async function runExperiment(options: ExperimentOptions): Promise<ExperimentResult> {
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  const log = options.log ?? (() => {});
  validate(options);
  mkdirSync(options.out, { recursive: true });
  const loadBase = () => loadModel(options.model);
  const tokenizer = Tokenizer.fromDir(options.model);
  const base = loadBase();
  const samplesFile = join(options.out, 'samples.jsonl');
  const sampleLines: string[] = [];
  try {
    // 1. Prompts: held-out evaluation prompts never take part in training or selection.
    const split = splitPrompts(options.prompts, options.evalPrompts, options.seed);
    const trainPromptTexts = split.train.slice(0, options.trainPrompts ?? split.train.length);
    const encode = (texts: string[]) =>
      texts.map((t, i) => {
        const ids = tokenizer.encode(t);
        if (ids.length === 0) throw new AligndialError(`prompt ${i} ("${t.slice(0, 40)}") encodes to no tokens`);
        return ids;
      });
    const trainIds = encode(trainPromptTexts);
    const evalIds = encode(split.eval);
    const sampling = { maxNewTokens: options.maxNewTokens, temperature: options.temperature, batchSize: options.samplingBatchSize };

    // 2. Preference pairs from the base model's own samples (seeds disjoint from the evaluation seeds).
    const pairSeed = options.seed + 1_000_000;
    const pairSamples = await sampleWithSeeds(() => createModelDecoder(base), tokenizer, trainIds, sampleRows(trainIds.length, options.pairSamples, pairSeed), {
      ...sampling,
      onProgress: (d, t) => options.onProgress?.('pair samples', d, t),
    });
    const pairRewards = await scoreAll(
      options.reward,
      pairSamples.map((s) => s.text),
      pairSamples.map((s) => trainPromptTexts[s.prompt]),
    );
    const pairs = buildRewardPairs(pairSamples, pairRewards, trainPromptTexts);
    if (pairs.length < 2) throw new AligndialError(`only ${pairs.length} preference pair(s): the reward scored every sample of (almost) every training prompt the same`, { hint: 'Use more --pair-samples, more training prompts, longer --max-new-tokens, or another --reward.' });
    writeFileAtomic(join(options.out, 'pairs.jsonl'), pairs.map((p) => JSON.stringify({ prompt: p.promptText, chosen: p.chosen.text, rejected: p.rejected.text, chosenReward: p.chosen.reward, rejectedReward: p.rejected.reward, chosenSeed: p.chosen.seed, rejectedSeed: p.rejected.seed })).join('\n') + '\n');
    const tokenized = pairs.map((p) => tokenizedPair(p, trainIds[p.prompt]));
    const texts: PairTexts[] = pairs.map((p) => ({ prompt: p.promptText, chosen: p.chosen.text, rejected: p.rejected.text }));
    const selection = selectionSplit(pairs.length, options.selectionHoldout, options.seed);
    log(`${pairs.length} preference pairs from ${trainIds.length} training prompts (chosen reward ${meanSe(pairs.map((p) => p.chosen.reward)).mean.toFixed(2)}, rejected ${meanSe(pairs.map((p) => p.rejected.reward)).mean.toFixed(2)}); ${selection.heldOut.length} held out for hyperparameter selection`);

    // 3. The base model's evaluation samples: the reference every row is paired against.
    const rows = sampleRows(evalIds.length, options.samples, options.seed);
    const groups = rows.map((r) => r.prompt);
    const evaluate = async (method: string, dial: number, createDecoder: (rowPrompts: readonly string[]) => StepDecoder) => {
      const t0 = performance.now();
      const samples: SeededSample[] = [];
      // Batches of rows so decoders that depend on the rows' prompts (AlignEZ k-NN) get them.
      for (let start = 0; start < rows.length; start += options.samplingBatchSize) {
        const chunk = rows.slice(start, start + options.samplingBatchSize);
        const prompts = chunk.map((r) => split.eval[r.prompt]);
        samples.push(...(await sampleWithSeeds(() => createDecoder(prompts), tokenizer, evalIds, chunk, { ...sampling, batchSize: chunk.length })));
        options.onProgress?.(`${method} @ ${dial}`, Math.min(start + chunk.length, rows.length), rows.length);
      }
      const samplingSeconds = (performance.now() - t0) / 1000;
      const rewards = await scoreAll(
        options.reward,
        samples.map((s) => s.text),
        samples.map((s) => split.eval[s.prompt]),
      );
      const logProbs = meanTokenLogProbs(base, samples.map((s) => ({ promptIds: evalIds[s.prompt], ids: s.ids })));
      return { samples, rewards, logProbs, samplingSeconds };
    };
    const baseRun = await evaluate('base', 0, () => createModelDecoder(base));
    const row = (method: string, dial: number, run: Awaited<ReturnType<typeof evaluate>>): ExperimentRow => {
      for (const [k, s] of run.samples.entries()) {
        sampleLines.push(JSON.stringify({ method, dial, prompt: split.eval[s.prompt], seed: s.seed, text: s.text, reward: run.rewards[k], logProb: round(run.logProbs[k]) }));
      }
      const texts = run.samples.map((s) => s.text);
      return {
        method,
        dial,
        reward: meanSe(promptMeans(run.rewards, groups)),
        gain: pairedDifference(run.rewards, baseRun.rewards, groups),
        logProb: meanSe(promptMeans(run.logProbs, groups)),
        logProbDelta: pairedDifference(run.logProbs, baseRun.logProbs, groups),
        distinct1: distinctN(texts, 1),
        distinct2: distinctN(texts, 2),
        identicalToBase: run.samples.filter((s, k) => s.text === baseRun.samples[k].text).length / run.samples.length,
        samplingSeconds: round(run.samplingSeconds, 2),
      };
    };
    const baseRow = row('base', 0, baseRun);
    log(`base: reward ${fmt(baseRow.reward)}, log-prob ${fmt(baseRow.logProb)}`);

    // 4. Each method: choose hyperparameters on the held-out pairs, train on all pairs, sample at every dial value.
    const out: ExperimentRow[] = [];
    const summaries: MethodSummary[] = [];
    for (const spec of options.methods) {
      const summary = await trainWithSelection(spec, loadBase, tokenizer, tokenized, texts, selection, options);
      summaries.push(summary.summary);
      const model = summary.model;
      try {
        for (const dial of hasDial(spec) ? options.lambdas : [1]) {
          const r = row(spec.name, dial, await evaluate(spec.name, dial, (prompts) => model.decoder(dial, prompts)));
          out.push(r);
          log(`${spec.name} @ ${dial}: gain ${fmt(r.gain)}, log-prob ${fmt(r.logProb)}, distinct-2 ${r.distinct2.toFixed(3)}`);
        }
      } finally {
        model.dispose();
      }
    }

    writeFileAtomic(samplesFile, `${sampleLines.join('\n')}\n`);
    const cpu = process.cpuUsage(cpu0);
    const result: ExperimentResult = {
      model: options.model,
      reward: options.reward.name,
      settings: {
        ...options.settings,
        methods: options.methods.map((m) => m.name),
        lambdas: options.lambdas,
        evalPrompts: options.evalPrompts,
        samplesPerPrompt: options.samples,
        pairSamples: options.pairSamples,
        maxNewTokens: options.maxNewTokens,
        temperature: options.temperature,
        grid: options.grid,
        selectionHoldout: options.selectionHoldout,
        seed: options.seed,
        evalSeeds: `sample j of evaluation prompt i has seed ${options.seed} + i·${options.samples} + j`,
        pairSeeds: `sample j of training prompt i has seed ${pairSeed} + i·${options.pairSamples} + j`,
      },
      data: {
        trainPrompts: trainIds.length,
        evalPrompts: evalIds.length,
        pairs: pairs.length,
        selectionPairs: selection.heldOut.length,
        meanChosenReward: round(meanSe(pairs.map((p) => p.chosen.reward)).mean),
        meanRejectedReward: round(meanSe(pairs.map((p) => p.rejected.reward)).mean),
      },
      base: baseRow,
      rows: out,
      methods: summaries,
      wallSeconds: round((performance.now() - wall0) / 1000, 1),
      cpuSeconds: round((cpu.user + cpu.system) / 1e6, 1),
      files: { results: join(options.out, 'results.json'), samples: samplesFile, pairs: join(options.out, 'pairs.jsonl'), table: join(options.out, 'table.md') },
    };
    return result;
  } finally {
    base.dispose();
  }
}

function validate(o: ExperimentOptions): void {
  const positive = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new AligndialError(`${name} must be a whole number ≥ 1, got ${v}`);
  };
  positive('--samples', o.samples);
  positive('--pair-samples', o.pairSamples);
  positive('--max-new-tokens', o.maxNewTokens);
  if (o.pairSamples < 2) throw new AligndialError('--pair-samples must be ≥ 2: a pair needs two samples of a prompt');
  if (!(o.selectionHoldout >= 0 && o.selectionHoldout < 1)) throw new AligndialError(`--selection-holdout must be in [0, 1), got ${o.selectionHoldout}`);
  for (const [name, list] of [['--beta-grid', o.grid.betas], ['--lr-grid', o.grid.learningRates], ['--epochs-grid', o.grid.epochs]] as const) {
    if (list.length === 0) throw new AligndialError(`${name} needs at least one value`);
  }
  if (o.grid.epochs.some((e) => !Number.isInteger(e) || e < 1)) throw new AligndialError(`--epochs values must be whole numbers ≥ 1, got ${o.grid.epochs.join(',')}`);
  if (o.lambdas.length === 0) throw new AligndialError('--lambdas needs at least one value');
}

/** Seeded split of pair indices into fit and held-out (selection) parts. */
function selectionSplit(count: number, fraction: number, seed: number): { fit: number[]; heldOut: number[] } {
  const order = Array.from({ length: count }, (_, i) => i);
  new Rng(seed + 7).shuffle(order);
  const n = fraction > 0 ? Math.max(1, Math.round(fraction * count)) : 0;
  if (n >= count) throw new AligndialError(`--selection-holdout ${fraction} leaves no pairs to train on (${count} pairs)`);
  return { heldOut: order.slice(0, n).sort((a, b) => a - b), fit: order.slice(n).sort((a, b) => a - b) };
}

/** Per-prompt means of per-sample values (NaN skipped): the unit of the standard errors. */
function promptMeans(values: readonly number[], groups: readonly number[]): number[] {
  const sums = new Map<number, { s: number; n: number }>();
  groups.forEach((g, k) => {
    if (!Number.isFinite(values[k])) return;
    const e = sums.get(g) ?? { s: 0, n: 0 };
    e.s += values[k];
    e.n++;
    sums.set(g, e);
  });
  return [...sums.values()].map((e) => e.s / e.n);
}

export function fmt(m: MeanSe, digits = 2): string {
  return Number.isFinite(m.mean) ? `${m.mean >= 0 ? '+' : ''}${m.mean.toFixed(digits)} ± ${Number.isFinite(m.se) ? m.se.toFixed(digits) : '–'}` : '–';
}

async function trainWithSelection(
  spec: MethodSpec,
  loadBase: () => Transformer,
  tokenizer: Tokenizer,
  tokenized: readonly TokenizedPreference[],
  texts: readonly PairTexts[],
  split: { fit: number[]; heldOut: number[] },
  options: ExperimentOptions,
): Promise<{ model: MethodModel; summary: MethodSummary }> {
  const points = gridPoints(options.grid);
  const maxEpochs = Math.max(...options.grid.epochs);
  const selection: MethodSummary['selection'] = [];
  let selectionWall = 0;
  let selectionCpu = 0;
  let chosen: Hyperparameters = points[0];
  if (spec.kind !== 'alignez' && points.length > 1 && split.heldOut.length > 0) {
    const fit = split.fit.map((i) => tokenized[i]);
    const heldOut = split.heldOut.map((i) => tokenized[i]);
    // One run per (β, lr), evaluated after each epoch count of the grid.
    const runs = options.grid.betas.flatMap((beta) => options.grid.learningRates.map((learningRate) => ({ beta, learningRate })));
    for (const [k, r] of runs.entries()) {
      const run = await trainMethod(spec, loadBase, tokenizer, { train: fit, texts: [], heldOut }, { ...r, epochs: maxEpochs }, options.settings, {
        maxEpochs,
        evalEpochs: options.grid.epochs,
        onStep: (s, total) => options.onProgress?.(`${spec.name} select ${k + 1}/${runs.length}`, s, total),
      });
      run.model.dispose();
      selectionWall += run.wallSeconds;
      selectionCpu += run.cpuSeconds;
      for (const e of run.evals) selection.push({ ...r, epochs: e.epochs, heldOutLoss: round(e.loss), heldOutAccuracy: round(e.accuracy) });
    }
    const best = selection.reduce((a, b) => (b.heldOutLoss < a.heldOutLoss ? b : a));
    chosen = { beta: best.beta, learningRate: best.learningRate, epochs: best.epochs };
    options.log?.(`${spec.name}: chose β ${chosen.beta}, lr ${chosen.learningRate}, ${chosen.epochs} epochs (held-out DPO loss ${best.heldOutLoss}, accuracy ${best.heldOutAccuracy})`);
  }
  const metricsFile = spec.kind === 'alignez' ? undefined : join(options.out, 'runs', spec.name.replace(':', '-'), 'metrics.jsonl');
  const final = await trainMethod(spec, loadBase, tokenizer, { train: tokenized, texts }, chosen, options.settings, {
    maxEpochs,
    metricsFile,
    onStep: (s, total) => options.onProgress?.(`${spec.name} train`, s, Math.min(total, chosen.epochs * Math.ceil(tokenized.length / options.settings.batchSize))),
  });
  return {
    model: final.model,
    summary: {
      method: spec.name,
      trainableParameters: final.model.trainableParameters,
      hyperparameters: spec.kind === 'alignez' ? undefined : chosen,
      selection,
      selectionWallSeconds: round(selectionWall, 1),
      selectionCpuSeconds: round(selectionCpu, 1),
      steps: final.steps,
      trainWallSeconds: round(final.wallSeconds, 1),
      trainCpuSeconds: round(final.cpuSeconds, 1),
      metricsFile,
    },
  };
}

/** Writes results.json (atomically). */
export function writeResults(result: ExperimentResult): void {
  writeFileAtomic(result.files.results, `${JSON.stringify(result, null, 2)}\n`);
}

