import { spawn } from 'node:child_process';
import {
  AligndialError,
  type BackendName,
  type GradientCheckpointingMode,
  type ModelConfig,
  type Transformer,
  type WeightsChoice,
  countParameters,
  initBackend,
  loadModel,
  loadModelConfig,
  resolveMemoryPlan,
  startTensorMemoryMeter,
} from '@aligndial/core';
import { MODEL_SHAPES, type ModelShapeName, configForShape, createRandomModel } from '@aligndial/core/testing';
import { addedLayerParameters, createClmTrainer, expandModel } from '@aligndial/clm';
import { DpoTrainer, createSyntheticPreferencePairs, parseTrainableSpec, trainableFromConfig } from '@aligndial/dpo';
import { type Command, Option } from 'commander';
import { addEngineFlags } from '../engine-flags.js';
import { applyEngineFlags } from '../engine-threads.js';
import { addBackendFlag, addDeprecatedFlag, addJsonFlag } from '../flag-vocabulary.js';
import { intOption } from '../option-parsers.js';
import { frozenInEngine } from './preference-training.js';

/** Options of `aligndial bench train`. */
export interface BenchTrainOptions {
  /** A model directory (any checkpoint); otherwise a random model of `shape`. */
  model?: string;
  shape: ModelShapeName;
  batchSize: number;
  promptLength: number;
  completionLength: number;
  /** Timed steps per round (after the warm-up steps). */
  steps: number;
  warmup: number;
  /** Rounds: every selection once per round, each in its own process, in rotating order. */
  rounds: number;
  trainable: string[];
  gradientCheckpointing: GradientCheckpointingMode;
  backend?: BackendName | 'auto';
  /** As every model-loading command: how frozen matrices of `--model` are held (a `--shape` model is tfjs). */
  weights?: WeightsChoice;
  threads?: number;
  json?: boolean;
  /** Internal: measure this one selection in this process and print its JSON (what each worker process runs). */
  worker?: string;
}

/** One selection measured in one process (one round). */
export interface TrainBenchmarkSample {
  backend: string;
  trainable: string;
  trainableParameters: number;
  /** Variables that received a gradient and have AdamW state (m, v). */
  optimizerStateVariables: number;
  optimizerStateBytes: number;
  checkpointing: boolean;
  /** Wall time of each timed step (forward + backward + AdamW); warm-up steps excluded. */
  stepMs: number[];
  /** CPU time (user + system) of the process per timed step. */
  cpuMsPerStep: number;
  /** Most bytes tensor buffers held at once during the run (each buffer counted once; wasm only, else tfjs' tally). */
  peakTensorBytes: number;
  /** The memory plan's estimate of that peak. */
  plannedPeakBytes: number;
  /** The process's peak resident memory (`maxRSS`): what the operating system saw. */
  peakRssBytes: number;
  /** How the frozen matrices were held: an engine storage type, or `tfjs` (all tfjs Variables). */
  weights: string;
  /** Bytes of the model's weights (float32). */
  modelBytes: number;
  /** Time of the up-front reference pass over the benchmark pairs. */
  referenceSeconds: number;
}

/** One selection over all rounds: medians (and the worst case for memory). */
export interface TrainBenchmarkRun extends Omit<TrainBenchmarkSample, 'stepMs'> {
  /** Median wall time of a step over every timed step of every round. */
  msPerStep: number;
  /** Each round's median step time. */
  roundMs: number[];
  tokensPerSecond: number;
  /** Step time relative to the last selection (e.g. `all`); 1 for that one. */
  timeRatio: number;
  /** Peak resident memory relative to the last selection. */
  rssRatio: number;
  /** Peak tensor memory relative to the last selection. */
  tensorRatio: number;
}

export interface TrainBenchmark {
  backend: string;
  model: string;
  parameters: number;
  pairsPerStep: number;
  sequenceLength: number;
  rounds: number;
  runs: TrainBenchmarkRun[];
}

export function registerBenchTrainCommand(bench: Command): void {
  const command = bench
    .command('train')
    .description(
      'Measure DPO step time and peak memory of trainable selections (CLM, bottom:K, all, …) on a model directory or a random model of a named shape. ' +
        'Each selection runs in its own process, in interleaved rounds; warm-up steps are excluded and medians reported.',
    )
    .option('--model <dir>', 'model directory (any checkpoint; e.g. from `aligndial create-random --config …`)')
    .addOption(new Option('--shape <name>', 'random model shape when no --model').choices(Object.keys(MODEL_SHAPES)).default('stories15M'))
    .option('--batch-size <n>', 'preference pairs per step (2 sequences each)', intOption(1, 100_000), 2)
    .option('--prompt-length <n>', 'prompt tokens', intOption(1, 100_000), 48)
    .option('--completion-length <n>', 'completion tokens', intOption(1, 32768), 16)
    .option('--timed-steps <n>', 'timed steps per round', intOption(1, 1000), 2)
    .option('--warmup <n>', 'untimed steps first in each process', intOption(0, 1000), 1)
    .option('--rounds <n>', 'rounds; each runs every selection once, each in a fresh process', intOption(1, 100), 3)
    .option('--trainable-sets <specs...>', 'selections to compare: clm (one added identity layer, CLM), bottom:K, top:K, all; ratios are against the last', ['clm', 'bottom:1', 'all'])
    .addOption(new Option('--gradient-checkpointing <mode>', 'as in dpo train (auto: on when the memory plan needs it)').choices(['auto', 'on', 'off']).default('auto'))
    .addOption(new Option('--worker <spec>', 'internal: measure one selection in this process').hideHelp())
    .addHelpText('after', '\nExamples:\n  aligndial create-random --config smollm2-135m.json --out S135\n  aligndial bench train --model S135 --batch-size 2 --prompt-length 256 --completion-length 256 --trainable-sets clm all');
  addBackendFlag(command);
  addEngineFlags(command);
  addJsonFlag(command);
  addDeprecatedFlag(command, { old: '--steps', replacement: '--timed-steps' });
  addDeprecatedFlag(command, { old: '--trainable', replacement: '--trainable-sets' });
  command.action(async (flags: Omit<BenchTrainOptions, 'steps' | 'trainable'> & { timedSteps: number; trainableSets: string[] }) => {
      const options: BenchTrainOptions = { ...flags, steps: flags.timedSteps, trainable: flags.trainableSets };
      if (options.worker) {
        process.stdout.write(`${JSON.stringify(await measureSelection(options, options.worker))}\n`);
        return;
      }
      const result = await runBenchTrain(options);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      process.stdout.write(`${formatTrainBenchmark(result)}\n`);
    });
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

/** The human-readable table of a benchmark. */
export function formatTrainBenchmark(result: TrainBenchmark): string {
  const lines = [
    `backend ${result.backend}, ${result.model} (${(result.parameters / 1e6).toFixed(1)}M parameters), ${result.pairsPerStep} pairs × ${result.sequenceLength} tokens per step, ` +
      `median of ${result.rounds} round(s), each selection in its own process`,
  ];
  const last = result.runs.at(-1)?.trainable;
  for (const r of result.runs) {
    lines.push(
      `${r.trainable.padEnd(10)} ${r.msPerStep.toFixed(0).padStart(7)} ms/step (${r.timeRatio.toFixed(2)}× ${last}; rounds ${r.roundMs.map((m) => m.toFixed(0)).join('/')}), ` +
        `peak RSS ${mib(r.peakRssBytes)} (${r.rssRatio.toFixed(2)}×), peak tensors ${mib(r.peakTensorBytes)} (${r.tensorRatio.toFixed(2)}×; planned ${mib(r.plannedPeakBytes)}), ` +
        `checkpointing ${r.checkpointing ? 'on' : 'off'}, frozen weights ${r.weights}, ${(r.trainableParameters / 1e6).toFixed(2)}M trainable, optimizer state ${mib(r.optimizerStateBytes)}`,
    );
  }
  return lines.join('\n');
}

function benchConfig(options: BenchTrainOptions): { config: ModelConfig; label: string } {
  if (options.model) return { config: loadModelConfig(options.model), label: options.model };
  return { config: configForShape(options.shape), label: `random ${options.shape}` };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Measures one trainable selection in this process: reference pass, warm-up steps, timed steps. */
export async function measureSelection(options: BenchTrainOptions, spec: string): Promise<TrainBenchmarkSample> {
  const info = await initBackend(options.backend);
  applyEngineFlags(options);
  const { config } = benchConfig(options);
  const length = options.promptLength + options.completionLength;
  const rows = 2 * options.batchSize;
  const trainable =
    spec === 'clm'
      ? { parameters: addedLayerParameters(config, 1), trainsEmbedding: false }
      : trainableFromConfig(config, parseTrainableSpec(spec));
  const planned = resolveMemoryPlan(
    {
      config: spec === 'clm' ? { ...config, numLayers: config.numLayers + 1 } : config,
      rows,
      length,
      scoredPositions: rows * options.completionLength,
      trainableParameters: trainable.parameters,
      trainsEmbedding: trainable.trainsEmbedding,
      frozenInEngine: options.model !== undefined && frozenInEngine(options.model, options.weights, config),
    },
    options.gradientCheckpointing,
    info.name,
    { what: `bench train ${spec}` },
  );
  const meter = startTensorMemoryMeter();
  const model: Transformer = options.model ? loadModel(options.model, { weights: options.weights }) : createRandomModel(config, { seed: 0 });
  // `clm`: the paper's setup — one identity layer inserted before layer 0 and trained alone, with the
  // λ = 0 path as the reference (no second copy of the weights).
  const clm = spec === 'clm' ? expandModel(model, { layers: 1 }) : undefined;
  const pairs = createSyntheticPreferencePairs({
    count: options.batchSize * (options.warmup + options.steps),
    vocabSize: config.vocabSize,
    seed: 1,
    promptLength: options.promptLength - 1,
    completionLength: options.completionLength,
    bosTokenId: config.bosTokenId ?? 1,
  });
  const stepMs: number[] = [];
  let last = 0;
  const stepConfig = { batchSize: options.batchSize, maxSteps: options.warmup + options.steps, learningRate: 1e-5, shuffle: false, gradientCheckpointing: planned.checkpointing };
  const onStep = (record: { step: number }) => {
    const now = performance.now();
    if (record.step > options.warmup) stepMs.push(now - last);
    last = now;
  };
  const trainer = clm
    ? createClmTrainer(clm, { train: pairs, config: stepConfig, onStep })
    : new DpoTrainer({ model, train: pairs, config: { ...stepConfig, trainable: parseTrainableSpec(spec) }, onStep });
  const r0 = performance.now();
  trainer.prepareReference();
  const referenceSeconds = (performance.now() - r0) / 1000;
  last = performance.now();
  await trainer.train({ stopAtStep: options.warmup });
  last = performance.now();
  const cpu0 = process.cpuUsage();
  await trainer.train();
  const cpu = process.cpuUsage(cpu0);
  const stateNames = trainer.optimizer.stateNames();
  const params = (clm?.model ?? model).parameters();
  const sample: TrainBenchmarkSample = {
    backend: info.name,
    trainable: spec,
    trainableParameters: [...trainer.trainable.values()].reduce((n, v) => n + v.size, 0),
    optimizerStateVariables: stateNames.length,
    optimizerStateBytes: stateNames.reduce((n, name) => n + 2 * 4 * trainer.trainable.get(name)!.size, 0),
    checkpointing: planned.checkpointing,
    stepMs,
    cpuMsPerStep: (cpu.user + cpu.system) / 1000 / options.steps,
    peakTensorBytes: meter.peakBytes,
    plannedPeakBytes: planned.plan.total,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    weights: model.weightStorage ?? 'tfjs',
    modelBytes: [...params.values()].reduce((n, v) => n + 4 * v.size, 0),
    referenceSeconds,
  };
  meter.stop();
  trainer.dispose();
  (clm ?? model).dispose();
  return sample;
}

/** How a worker process is started: the node binary and arguments that run this CLI. */
export type WorkerCommand = readonly string[];

const defaultWorkerCommand = (): WorkerCommand => [process.execPath, ...process.execArgv, process.argv[1]];

function workerArgs(options: BenchTrainOptions, spec: string): string[] {
  const args = ['bench', 'train', '--worker', spec, '--batch-size', String(options.batchSize), '--prompt-length', String(options.promptLength)];
  args.push('--completion-length', String(options.completionLength), '--timed-steps', String(options.steps), '--warmup', String(options.warmup));
  args.push('--gradient-checkpointing', options.gradientCheckpointing, '--shape', options.shape);
  if (options.model) args.push('--model', options.model);
  if (options.backend) args.push('--backend', options.backend);
  if (options.weights) args.push('--weights', options.weights);
  if (options.threads !== undefined) args.push('--threads', String(options.threads));
  return args;
}

function runWorker(command: WorkerCommand, args: string[], env?: NodeJS.ProcessEnv): Promise<TrainBenchmarkSample> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], [...command.slice(1), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, ALIGNDIAL_PROGRESS: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const lastLine = stdout.trim().split('\n').at(-1) ?? '';
      if (code === 0 && lastLine.startsWith('{')) resolve(JSON.parse(lastLine) as TrainBenchmarkSample);
      else {
        const reason = stderr.trim().split('\n').filter((l) => l.startsWith('aligndial:') || l.startsWith('hint:')).join(' ') || stderr.trim().split('\n').at(-1) || `exit code ${code}`;
        reject(new AligndialError(`bench train: the ${args[3]} worker failed: ${reason}`));
      }
    });
  });
}

/**
 * `aligndial bench train`: every selection measured in its own fresh process (no run inherits another's
 * warmed-up caches or grown heap), in `rounds` interleaved rounds whose order rotates, so machine load
 * drifts evenly over the selections. Reports medians of the timed steps and the peak memory per selection.
 */
export async function runBenchTrain(options: BenchTrainOptions, worker: { command?: WorkerCommand; env?: NodeJS.ProcessEnv } = {}): Promise<TrainBenchmark> {
  const { config, label } = benchConfig(options);
  const specs = options.trainable;
  if (specs.length === 0) throw new AligndialError('bench train: --trainable names no selection');
  const command = worker.command ?? defaultWorkerCommand();
  const samples = new Map<string, TrainBenchmarkSample[]>(specs.map((s) => [s, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[(i + round) % specs.length];
      samples.get(spec)!.push(await runWorker(command, workerArgs(options, spec), worker.env));
    }
  }
  const tokensPerStep = 2 * options.batchSize * (options.promptLength + options.completionLength);
  const summarize = (spec: string) => {
    const all = samples.get(spec)!;
    const steps = all.flatMap((s) => s.stepMs);
    const { stepMs: _, ...first } = all[0];
    const msPerStep = median(steps);
    return {
      ...first,
      msPerStep,
      roundMs: all.map((s) => median(s.stepMs)),
      cpuMsPerStep: median(all.map((s) => s.cpuMsPerStep)),
      tokensPerSecond: (tokensPerStep * 1000) / msPerStep,
      peakTensorBytes: Math.max(...all.map((s) => s.peakTensorBytes)),
      peakRssBytes: Math.max(...all.map((s) => s.peakRssBytes)),
      referenceSeconds: median(all.map((s) => s.referenceSeconds)),
    };
  };
  const summaries = specs.map(summarize);
  const base = summaries.at(-1)!;
  const runs: TrainBenchmarkRun[] = summaries.map((s) => ({
    ...s,
    timeRatio: s.msPerStep / base.msPerStep,
    rssRatio: s.peakRssBytes / base.peakRssBytes,
    tensorRatio: s.peakTensorBytes / base.peakTensorBytes,
  }));
  return {
    backend: base.backend,
    model: label,
    parameters: countParameters(config),
    pairsPerStep: options.batchSize,
    sequenceLength: options.promptLength + options.completionLength,
    rounds: options.rounds,
    runs,
  };
}
