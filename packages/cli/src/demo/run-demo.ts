import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Edits, fitAlignEz, createEditHooksForQueries, generatePreferenceData, readPreferenceData, saveEdits } from '@aligndial/alignez';
import { type ClmModel, createClmDecoder, expandModel, saveAdapter, trainClm } from '@aligndial/clm';
import { type BackendName, type ForwardHooks, type Tokenizer, generate, writeFileAtomic } from '@aligndial/core';
import { type PreferenceLossType, rowToPreferenceExample, tokenizePreferences } from '@aligndial/dpo';
import { loadPretrained } from '../load-pretrained.js';
import { createProgress } from '../progress.js';
import { defaultModelDir } from './default-model.js';
import { type DemoRow, formatDemoTable } from './demo-table.js';
import { readSweep } from './sweep-reading.js';
import { openEvalJudge } from '../commands/eval-judge.js';
import { evalPrompts, familyBalancedPicker, toJsonl, toShareGptRow, toTrlRow, worldPreferencePairs } from './world-data.js';
import { compareAnswers, createJudge, type Judge, type SweepRow, sweepReport } from '@aligndial/eval';
import { type AnswerKind, KIND_REWARD, type WorldPrompt, classifyAnswer, promptsOfSplit, seededRandom } from './world.js';
import { registerWorldRule, WORLD_JUDGE_SPEC } from './world-rule.js';

/** Settings of `aligndial demo` (see {@link resolveDemoSettings} for the defaults). */
export interface DemoOptions {
  /** Output folder (data, adapter, edits, answers, judgments, plots, results). */
  out: string;
  /** Base model folder (default: the embedded default model). */
  model?: string;
  /** Judge spec (default `rule:world`, the world's rule judge); e.g. `openai:MODEL@URL`. */
  judge?: string;
  /** DPO optimizer steps of the CLM layer. */
  steps?: number;
  /** A reduced configuration for tests and a first look (fewer pairs, steps, prompts and queries). */
  quick?: boolean;
  lambdas?: readonly number[];
  /** Held-out world prompts to evaluate on. */
  prompts?: number;
  /** Preference pairs for DPO. */
  pairs?: number;
  /** Queries of AlignEZ's self-generated data. */
  alignezQueries?: number;
  /** Skip the AlignEZ part. */
  alignez?: boolean;
  beta?: number;
  lr?: number;
  /** DPO loss(es) of the CLM layer, summed with `lossWeights` (default sigmoid + 3 × sft, RPO-style). */
  lossType?: PreferenceLossType[];
  lossWeights?: number[];
  batchSize?: number;
  seed?: number;
  backend?: BackendName | 'auto';
}

/** {@link DemoOptions} with every default filled in. */
export interface DemoSettings {
  out: string;
  model: string;
  judge: string;
  steps: number;
  quick: boolean;
  lambdas: number[];
  prompts: number;
  pairs: number;
  alignezQueries: number;
  alignez: boolean;
  beta: number;
  lr: number;
  lossType: PreferenceLossType[];
  lossWeights: number[];
  batchSize: number;
  seed: number;
  backend?: BackendName | 'auto';
}

export const DEMO_LAMBDAS = [0, 0.5, 1, 1.5, 2] as const;

export function resolveDemoSettings(options: DemoOptions): DemoSettings {
  const quick = options.quick ?? false;
  return {
    out: resolve(options.out),
    model: options.model ? resolve(options.model) : defaultModelDir(),
    judge: options.judge ?? WORLD_JUDGE_SPEC,
    steps: options.steps ?? (quick ? 12 : 150),
    quick,
    // λ = 0 (the base model) is always run: it is the baseline every row is judged against.
    lambdas: [...new Set([0, ...(options.lambdas ?? DEMO_LAMBDAS)])].sort((a, b) => a - b),
    prompts: options.prompts ?? (quick ? 14 : 56),
    pairs: options.pairs ?? (quick ? 96 : 1200),
    alignezQueries: options.alignezQueries ?? (quick ? 14 : 70),
    alignez: options.alignez ?? true,
    beta: options.beta ?? 0.1,
    lr: options.lr ?? (quick ? 3e-4 : 1e-4),
    // DPO alone (sigmoid) lowers the chosen answers' likelihood too and garbles a model this small;
    // the NLL of the chosen answer (RPO-style, weight 3) keeps the aligned path fluent.
    lossType: options.lossType ?? ['sigmoid', 'sft'],
    lossWeights: options.lossWeights ?? (options.lossType ? options.lossType.map(() => 1) : [1, 3]),
    batchSize: options.batchSize ?? 8,
    seed: options.seed ?? 0,
    backend: options.backend,
  };
}

/** What {@link runDemo} produced. */
export interface DemoResult {
  settings: DemoSettings;
  rows: DemoRow[];
  /** The terminal table. */
  table: string;
  /** One line per method saying what the table shows on this model (best λ, whether λ > 1 helped, AlignEZ). */
  reading: string[];
  files: {
    preferencesTrl: string;
    preferencesShareGpt: string;
    adapter: string;
    edits?: string;
    plots: string[];
    results: string;
  };
  seconds: Record<string, number>;
}

/** Where the demo writes its progress lines (stderr by default). */
export interface DemoIo {
  log?: (line: string) => void;
}

/** One answer set: a method at a λ. */
interface AnswerSet {
  method: DemoRow['method'];
  lambda: number;
  file: string;
  outputs: string[];
}

const fileTag = (lambda: number) => String(lambda).replace('-', 'm').replace('.', 'p');

/**
 * `aligndial demo`: the embedded model → a CLM layer trained with DPO on the world's preference
 * pairs → greedy answers to held-out prompts at each λ → judged against λ = 0 → table and plot;
 * then AlignEZ fitted on the model's self-generated data and the same for base+AlignEZ (λ = 0) and
 * CLM+AlignEZ. Everything is measured in the run.
 */
export async function runDemo(options: DemoOptions, io: DemoIo = {}): Promise<DemoResult> {
  const s = resolveDemoSettings(options);
  registerWorldRule();
  // `local:DIR` judges get a model session (opened on first use); other specs need nothing open.
  const evalJudge = openEvalJudge(s.judge, { backend: s.backend });
  try {
    const judge = await createJudge(evalJudge.spec, evalJudge.judgeOptions);
    return await runDemoWith(s, judge, io);
  } finally {
    await evalJudge.close();
  }
}

/** What the demo's steps share: settings, the loaded CLM and tokenizer, the answer sets so far, timing. */
interface DemoRun {
  s: DemoSettings;
  clm: ClmModel;
  tokenizer: Tokenizer;
  log: (line: string) => void;
  /** Seconds per step (and `total`), as results.json records them. */
  seconds: Record<string, number>;
  /** Held-out evaluation prompts. */
  prompts: WorldPrompt[];
  sets: AnswerSet[];
}

/** Runs `step` and records its seconds under `name`. */
async function timed<T>(run: DemoRun, name: string, step: () => Promise<T>): Promise<T> {
  const since = performance.now();
  const out = await step();
  run.seconds[name] = Number(((performance.now() - since) / 1000).toFixed(2));
  return out;
}

/** The demo's steps in order: load → data → train the CLM layer → λ sweep → AlignEZ → judge → report. */
async function runDemoWith(s: DemoSettings, judge: Judge, io: DemoIo): Promise<DemoResult> {
  const log = io.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const t0 = performance.now();
  const seconds: Record<string, number> = {};
  mkdirSync(s.out, { recursive: true });

  // 1. Base model.
  let since = performance.now();
  const { model, tokenizer, backend } = await loadPretrained(s.model, s.backend);
  log(`model ${s.model} (${model.config.numLayers} layers, hidden ${model.config.hiddenSize}) on ${backend.name}`);
  seconds.load = Number(((performance.now() - since) / 1000).toFixed(2));

  // 2. Preference data from the world (chosen = helpful, rejected = an unhelpful style), in two formats.
  const data = writePreferenceData(s, tokenizer, model.config.maxPositionEmbeddings);

  const clm: ClmModel = expandModel(model, { layers: 1 });
  const run: DemoRun = { s, clm, tokenizer, log, seconds, prompts: evalPrompts(s.prompts), sets: [] };
  let edits: Edits | undefined;
  try {
    await timed(run, 'clmTrain', () => trainClmLayer(run, data.tokenized));
    await timed(run, 'clmSweep', () => sweepLambdas(run, 'CLM'));
    if (s.alignez) {
      const fitted = await timed(run, 'alignezFit', () => fitAlignEzStep(run));
      edits = fitted;
      const hooksFor = (texts: string[]) => createEditHooksForQueries(clm.reference, tokenizer, fitted, { queries: texts });
      await timed(run, 'alignezSweep', () => sweepLambdas(run, 'CLM+AlignEZ', hooksFor));
    }
    const judgmentsOf = await timed(run, 'judge', () => judgeSets(run, judge));
    const { rows, plots } = await timed(run, 'report', () => reportSweeps(run, judge, judgmentsOf));
    seconds.total = Number(((performance.now() - t0) / 1000).toFixed(2));
    const table = formatDemoTable(rows, judge.id);
    const reading = readSweep(rows);
    const results = join(s.out, 'results.json');
    writeFileAtomic(
      results,
      `${JSON.stringify({ settings: s, rows, reading, seconds, examples: exampleAnswers(run.prompts, run.sets) }, null, 2)}\n`,
    );
    writeFileSync(join(s.out, 'results.md'), `${table}\n\n${reading.join('\n')}\n`);
    return {
      settings: s,
      rows,
      table,
      reading,
      files: { ...data.files, adapter: join(s.out, 'clm-adapter'), edits: edits ? join(s.out, 'alignez', 'edits') : undefined, plots, results },
      seconds,
    };
  } finally {
    clm.dispose();
  }
}

/** Step 2: the world's preference pairs written as TRL JSONL and ShareGPT JSON, and tokenized for training. */
function writePreferenceData(s: DemoSettings, tokenizer: Tokenizer, maxLength: number) {
  const pairs = worldPreferencePairs(s.pairs, s.seed + 1);
  const dataDir = join(s.out, 'data');
  mkdirSync(dataDir, { recursive: true });
  const preferencesTrl = join(dataDir, 'preferences.jsonl');
  const preferencesShareGpt = join(dataDir, 'preferences.sharegpt.json');
  writeFileAtomic(preferencesTrl, toJsonl(pairs.map(toTrlRow)));
  writeFileAtomic(preferencesShareGpt, `${JSON.stringify(pairs.map(toShareGptRow), null, 1)}\n`);
  const examples = pairs.map(toTrlRow).map((row, i) => rowToPreferenceExample(row, `${preferencesTrl}:${i + 1}`));
  const tokenized = tokenizePreferences(examples, tokenizer, { maxLength });
  return { tokenized, files: { preferencesTrl, preferencesShareGpt } };
}

/** Step 3: the CLM's identity layer in front of layer 0, trained alone with DPO (reference = the λ = 0 path). */
async function trainClmLayer(run: DemoRun, tokenized: ReturnType<typeof tokenizePreferences>): Promise<void> {
  const { s, clm, tokenizer, log } = run;
  const adapterDir = join(s.out, 'clm-adapter');
  let bar = createProgress('reference log-probs (λ = 0)', tokenized.pairs.length);
  let training = false;
  const trainingBar = () => {
    if (!training) {
      training = true;
      bar.stop();
      bar = createProgress('CLM layer (DPO)', s.steps, { loss: '-', acc: '-' });
    }
    return bar;
  };
  const result = await trainClm(clm, {
    train: tokenized.pairs,
    padTokenId: tokenizer.padTokenId ?? 0,
    outputDir: adapterDir,
    config: {
      beta: s.beta,
      lossType: s.lossType,
      lossWeights: s.lossWeights,
      learningRate: s.lr,
      lrSchedulerType: 'cosine',
      warmupRatio: 0.1,
      batchSize: s.batchSize,
      maxSteps: s.steps,
      epochs: 1_000,
      seed: s.seed,
      loggingSteps: Math.max(1, Math.floor(s.steps / 10)),
    },
    onReferenceProgress: (done) => {
      if (!training) bar.update(done);
    },
    onStep: (record) => trainingBar().update(record.step, { loss: record.loss.toFixed(4), acc: (record['rewards/accuracies'] ?? 0).toFixed(2) }),
  });
  bar.stop();
  saveAdapter(clm, adapterDir, { baseSource: s.model });
  const last = result.log.at(-1);
  log(
    `CLM layer trained (${s.lossType.map((t, i) => `${s.lossWeights[i]}×${t}`).join(' + ')}, β ${s.beta}, lr ${s.lr}): ${result.step} steps × ${s.batchSize} pairs of ${tokenized.pairs.length}, last loss ${last?.loss.toFixed(4) ?? '?'}, adapter in ${adapterDir}`,
  );
}

/** Steps 4 and 5b: greedy answers to the held-out prompts at every λ (optionally with edit hooks), one file each. */
async function sweepLambdas(run: DemoRun, method: AnswerSet['method'], hooksFor?: (texts: string[]) => ForwardHooks & { dispose(): void }): Promise<void> {
  const { s, clm, tokenizer, prompts } = run;
  const answersDir = join(s.out, 'answers');
  const bar = createProgress(`greedy answers (${method} λ sweep)`, s.lambdas.length);
  for (const [i, lambda] of s.lambdas.entries()) {
    const outputs = await greedyAnswers(clm, tokenizer, prompts, lambda, hooksFor);
    const file = join(answersDir, `${method === 'CLM' ? 'clm' : 'clm-alignez'}-lambda-${fileTag(lambda)}.jsonl`);
    mkdirSync(answersDir, { recursive: true });
    writeFileAtomic(file, toJsonl(prompts.map((p, j) => ({ id: p.id, prompt: p.text, output: outputs[j] }))));
    run.sets.push({ method, lambda, file, outputs });
    bar.update(i + 1);
  }
  bar.stop();
}

/** Step 5a: AlignEZ on the base model's self-generated data (k-NN directions), saved beside the adapter. */
async function fitAlignEzStep(run: DemoRun): Promise<Edits> {
  const { s, clm, tokenizer, log } = run;
  const alignezDir = join(s.out, 'alignez');
  mkdirSync(alignezDir, { recursive: true });
  const queries = alignezQueries(s.alignezQueries, s.seed + 2);
  const dataFile = join(alignezDir, 'self-generated.jsonl');
  const dataBar = createProgress('AlignEZ self-generated data', queries.length);
  await generatePreferenceData({
    model: clm.reference,
    tokenizer,
    queries: queries.map((p) => ({ id: p.id, query: p.text })),
    out: dataFile,
    chat: true,
    traits: { maxNewTokens: 24 },
    answers: { maxNewTokens: 40 },
    batchSize: 16,
    seed: s.seed,
    overwrite: true,
    onProgress: (done) => dataBar.update(done),
  });
  dataBar.stop();
  const records = readPreferenceData(dataFile).records;
  const selfMix = mixOf(records.map((r) => [r.query, r.helpful] as const));
  const harmMix = mixOf(records.map((r) => [r.query, r.harmful] as const));
  log(`AlignEZ data: ${records.length} queries; helpful side ${formatMix(selfMix)}; harmful side ${formatMix(harmMix)}`);
  const fitBar = createProgress('AlignEZ fit (embeddings)', 3 * records.length);
  const edits = fitAlignEz({
    model: clm.reference,
    tokenizer,
    records,
    layers: Math.max(1, Math.floor(clm.baseLayers.length / 2)),
    k: Math.min(10, records.length),
    mode: 'knn',
    // Every world answer ends with "." so last-token embeddings of helpful and harmful answers are
    // near duplicates (most pairs would be dropped); the mean over the answer's tokens tells them apart.
    pooling: 'mean',
    onProgress: (done) => fitBar.update(done),
  });
  fitBar.stop();
  const editsDir = join(alignezDir, 'edits');
  saveEdits(editsDir, edits);
  const kept = edits.manifest.alignez?.pairs.kept ?? records.length;
  log(`AlignEZ fitted: ${kept} of ${records.length} pairs kept, layers ${edits.layers.join(', ')}, edits in ${editsDir}`);
  return edits;
}

/** Step 6: every answer set judged against the base model (CLM at λ = 0, no edits). */
async function judgeSets(run: DemoRun, judge: Judge): Promise<Map<AnswerSet, string>> {
  const { s, sets, prompts } = run;
  const baseline = sets.find((x) => x.method === 'CLM' && x.lambda === 0)!;
  const judgmentsDir = join(s.out, 'judgments');
  mkdirSync(judgmentsDir, { recursive: true });
  const bar = createProgress(`judging (${judge.id})`, sets.length * prompts.length);
  let judged = 0;
  const judgmentsOf = new Map<AnswerSet, string>();
  for (const set of sets) {
    const outFile = join(judgmentsDir, `${set.method === 'CLM' ? 'clm' : 'clm-alignez'}-lambda-${fileTag(set.lambda)}.jsonl`);
    const before = judged;
    await compareAnswers({
      aFile: set.file,
      bFile: baseline.file,
      judge,
      outFile,
      cacheFile: judge.cacheable ? undefined : false,
      seed: s.seed,
      onProgress: (p) => bar.update((judged = before + p.done)),
    });
    judgmentsOf.set(set, outFile);
  }
  bar.stop();
  return judgmentsOf;
}

/** Step 7: a sweep report (plot + rows) per method, with the world's rule reward beside the judged rates. */
async function reportSweeps(run: DemoRun, judge: Judge, judgmentsOf: ReadonlyMap<AnswerSet, string>): Promise<{ rows: DemoRow[]; plots: string[] }> {
  const { s, sets, prompts } = run;
  const rows: DemoRow[] = [];
  const plots: string[] = [];
  for (const method of ['CLM', 'CLM+AlignEZ'] as const) {
    const group = sets.filter((x) => x.method === method);
    if (group.length === 0) continue;
    const prefix = join(s.out, method === 'CLM' ? 'clm-lambda-sweep' : 'clm-alignez-lambda-sweep');
    const report = await sweepReport({
      runs: group.map((x) => ({ lambda: x.lambda, judgmentsFile: judgmentsOf.get(x)! })),
      outPrefix: prefix,
      title: `${method} vs base (λ = 0), ${judge.id}`,
      seed: s.seed,
    });
    plots.push(report.svgFile, report.pngFile);
    for (const r of report.rows) {
      const set = group.find((x) => x.lambda === r.lambda)!;
      const kinds = set.outputs.map((o, i) => classifyAnswer(prompts[i], o));
      rows.push({
        method,
        label: method === 'CLM+AlignEZ' && r.lambda === 0 ? 'base+AlignEZ' : method,
        ...pickJudgedRates(r),
        meanReward: kinds.reduce((a, k) => a + KIND_REWARD[k], 0) / kinds.length,
        helpfulRate: (100 * kinds.filter((k) => k === 'helpful').length) / kinds.length,
      });
    }
  }
  return { rows, plots };
}

/** Greedy answers of the CLM at λ to world prompts, in batches, optionally with edit hooks. */
async function greedyAnswers(
  clm: ClmModel,
  tokenizer: Tokenizer,
  prompts: readonly WorldPrompt[],
  lambda: number,
  hooksFor?: (texts: string[]) => ForwardHooks & { dispose(): void },
): Promise<string[]> {
  const out: string[] = [];
  for (let start = 0; start < prompts.length; start += 32) {
    const chunk = prompts.slice(start, start + 32);
    const ids = chunk.map((p) => tokenizer.encodeChat([{ role: 'user', content: p.text }], { addGenerationPrompt: true }));
    const hooks = hooksFor?.(chunk.map((p) => p.text));
    const decoder = createClmDecoder(clm, { lambda, hooks, warn: () => {} });
    try {
      const result = await generate(decoder, ids, { maxNewTokens: 40, temperature: 0, eosTokenIds: tokenizer.eosTokenIds, tokenizer });
      out.push(...result.sequences.map((q) => (q.text ?? '').trim()));
    } finally {
      decoder.dispose();
      hooks?.dispose();
    }
  }
  return out;
}

/** Family-balanced training prompts (distinct) for AlignEZ's self-generated data. */
function alignezQueries(count: number, seed: number): WorldPrompt[] {
  const train = promptsOfSplit('train');
  const pick = familyBalancedPicker(train, seededRandom(seed));
  const chosen = new Map<string, WorldPrompt>();
  for (let tries = 0; chosen.size < Math.min(count, train.length) && tries < 100 * count; tries++) {
    const p = pick();
    chosen.set(p.id, p);
  }
  return [...chosen.values()];
}

type Mix = Partial<Record<AnswerKind | 'unknown', number>>;

function mixOf(items: readonly (readonly [string, string])[]): Mix {
  const mix: Mix = {};
  const all = promptsOfSplit('train');
  for (const [query, answer] of items) {
    const p = all.find((x) => x.text === query);
    const kind = p ? classifyAnswer(p, answer) : 'unknown';
    mix[kind] = (mix[kind] ?? 0) + 1;
  }
  return mix;
}

function formatMix(mix: Mix): string {
  const n = Object.values(mix).reduce((a, b) => a + (b ?? 0), 0);
  return Object.entries(mix)
    .map(([k, v]) => `${k} ${((100 * (v ?? 0)) / Math.max(1, n)).toFixed(0)}%`)
    .join(', ');
}

/** A few answers per set, for results.json. */
function exampleAnswers(prompts: readonly WorldPrompt[], sets: readonly AnswerSet[]): Record<string, unknown>[] {
  return prompts.slice(0, 7).map((p, i) => ({
    prompt: p.text,
    answers: Object.fromEntries(sets.map((x) => [`${x.method} λ=${x.lambda}`, x.outputs[i]])),
  }));
}

/** The judged rates of a sweep row, as a demo row shows them. */
function pickJudgedRates({ lambda, n, winRate, loseRate, tieRate, errorRate, netWin }: SweepRow) {
  return { lambda, n, winRate, loseRate, tieRate, errorRate, netWin };
}
