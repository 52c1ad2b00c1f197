import { type BackendName, countParameters, initBackend, tf } from '@aligndial/core';
import { MODEL_SHAPES, type ModelShapeName, configForShape, createRandomModel } from '@aligndial/core/testing';
import { createClmTrainer, expandModel } from '@aligndial/clm';
import { DpoTrainer, createSyntheticPreferencePairs, parseTrainableSpec } from '@aligndial/dpo';
import { type Command, Option } from 'commander';
import { addBackendFlag, addDeprecatedFlag, addJsonFlag } from '../flag-vocabulary.js';
import { intOption } from '../option-parsers.js';

interface BenchTrainOptions {
  shape: ModelShapeName;
  batchSize: number;
  promptLength: number;
  completionLength: number;
  steps: number;
  warmup: number;
  trainable: string[];
  backend?: BackendName | 'auto';
  json?: boolean;
}

/** One trainable selection's numbers. */
export interface TrainBenchmarkRun {
  trainable: string;
  trainableParameters: number;
  /** Variables that received a gradient and have AdamW state (m, v). */
  optimizerStateVariables: number;
  optimizerStateBytes: number;
  /** Mean wall time of one optimizer step (forward + backward + AdamW), after the warm-up steps. */
  msPerStep: number;
  /** Mean CPU time (user + system) of this process per timed step: steadier than wall time on a busy machine. */
  cpuMsPerStep: number;
  tokensPerSecond: number;
  /**
   * Largest total size of live tensors during one step, as tfjs' engine counts it (`tf.profile` peakBytes:
   * weights included). An upper bound: inputs the gradient tape saves are counted again though they share buffers.
   */
  peakTensorBytes: number;
  /**
   * The wasm backend's heap size after the run (real memory; a process-wide high-water mark, it never
   * shrinks, so with runs in ascending size each figure is that run's peak). Undefined on other backends.
   */
  wasmHeapBytes?: number;
  /** Bytes of the model's weights, for reference. */
  modelBytes: number;
  /** Time of the up-front reference pass over the benchmark pairs. */
  referenceSeconds: number;
}

export interface TrainBenchmark {
  backend: string;
  shape: string;
  parameters: number;
  pairsPerStep: number;
  sequenceLength: number;
  runs: TrainBenchmarkRun[];
}

export function registerBenchTrainCommand(bench: Command): void {
  const command = bench
    .command('train')
    .description('Measure DPO step time and peak tensor memory, full model vs a trainable subset (random weights).')
    .addOption(new Option('--shape <name>', 'model shape').choices(Object.keys(MODEL_SHAPES)).default('stories15M'))
    .option('--batch-size <n>', 'preference pairs per step (2 sequences each)', intOption(1, 100_000), 2)
    .option('--prompt-length <n>', 'prompt tokens', intOption(1, 100_000), 48)
    .option('--completion-length <n>', 'completion tokens', intOption(1, 4096), 16)
    .option('--timed-steps <n>', 'timed steps per run', intOption(1, 1000), 3)
    .option('--warmup <n>', 'untimed steps first', intOption(0, 1000), 1)
    .option(
      '--trainable-sets <specs...>',
      'selections to compare, smallest first (the wasm heap only grows): clm (one added identity layer, CLM), bottom:K, top:K, all',
      ['clm', 'bottom:1', 'all'],
    );
  addBackendFlag(command);
  addJsonFlag(command);
  addDeprecatedFlag(command, { old: '--steps', replacement: '--timed-steps' });
  addDeprecatedFlag(command, { old: '--trainable', replacement: '--trainable-sets' });
  command.action(async (options: Omit<BenchTrainOptions, 'steps' | 'trainable'> & { timedSteps: number; trainableSets: string[] }) => {
      const result = await runBenchTrain({ ...options, steps: options.timedSteps, trainable: options.trainableSets });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
      process.stdout.write(
        `backend ${result.backend}, shape ${result.shape} (${(result.parameters / 1e6).toFixed(2)}M parameters), ${result.pairsPerStep} pairs × ${result.sequenceLength} tokens per step\n`,
      );
      for (const r of result.runs) {
        process.stdout.write(
          `${r.trainable.padEnd(10)} ${r.msPerStep.toFixed(0)} ms/step (cpu ${r.cpuMsPerStep.toFixed(0)} ms), ${r.tokensPerSecond.toFixed(0)} tokens/s, peak tensors ${mib(r.peakTensorBytes)}${r.wasmHeapBytes ? `, wasm heap ${mib(r.wasmHeapBytes)}` : ''} (weights ${mib(r.modelBytes)}), ` +
            `optimizer state ${mib(r.optimizerStateBytes)} for ${r.optimizerStateVariables} variables, ${(r.trainableParameters / 1e6).toFixed(3)}M trainable\n`,
        );
      }
    });
}

function wasmHeapBytes(): number | undefined {
  const heap = (tf.backend() as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8;
  return heap ? heap.length : undefined;
}

async function benchOne(options: BenchTrainOptions, spec: string): Promise<TrainBenchmarkRun> {
  const config = configForShape(options.shape);
  const model = createRandomModel(config, { seed: 0 });
  // `clm`: the paper's setup — one identity layer inserted before layer 0 and trained alone, with the
  // λ = 0 path as the reference (no second copy of the weights).
  const clm = spec === 'clm' ? expandModel(model, { layers: 1 }) : undefined;
  const pairs = createSyntheticPreferencePairs({
    count: options.batchSize * (options.warmup + options.steps + 1),
    vocabSize: config.vocabSize,
    seed: 1,
    promptLength: options.promptLength - 1,
    completionLength: options.completionLength,
    bosTokenId: 1,
  });
  const stepTimes: number[] = [];
  let tokens = 0;
  let last = 0;
  const stepConfig = { batchSize: options.batchSize, maxSteps: options.warmup + options.steps + 1, learningRate: 1e-5, shuffle: false };
  const onStep = (record: { step: number }) => {
      const now = performance.now();
      if (record.step > options.warmup && record.step <= options.warmup + options.steps) {
        stepTimes.push(now - last);
        tokens += 2 * options.batchSize * (options.promptLength + options.completionLength);
      }
      last = now;
  };
  const trainer = clm
    ? createClmTrainer(clm, { train: pairs, config: stepConfig, onStep })
    : new DpoTrainer({ model, train: pairs, config: { ...stepConfig, trainable: parseTrainableSpec(spec) }, onStep });
  const r0 = performance.now();
  trainer.prepareReference();
  const referenceSeconds = (performance.now() - r0) / 1000;
  await trainer.train({ stopAtStep: options.warmup });
  last = performance.now();
  const cpu0 = process.cpuUsage();
  await trainer.train({ stopAtStep: options.warmup + options.steps });
  const cpu = process.cpuUsage(cpu0);
  // Profiling times every kernel, so the peak is measured on one extra step after the timed ones.
  const profile = await tf.profile(async () => {
    await trainer.train();
  });
  const stateNames = trainer.optimizer.stateNames();
  const params = (clm?.model ?? model).parameters();
  const stateBytes = stateNames.reduce((n, name) => n + 2 * 4 * trainer.trainable.get(name)!.size, 0);
  const modelBytes = [...params.values()].reduce((n, v) => n + 4 * v.size, 0);
  const trainableParameters = [...trainer.trainable.values()].reduce((n, v) => n + v.size, 0);
  trainer.dispose();
  (clm ?? model).dispose();
  const seconds = stepTimes.reduce((a, b) => a + b, 0) / 1000;
  return {
    trainable: spec,
    trainableParameters,
    optimizerStateVariables: stateNames.length,
    optimizerStateBytes: stateBytes,
    msPerStep: (seconds * 1000) / Math.max(1, stepTimes.length),
    cpuMsPerStep: (cpu.user + cpu.system) / 1000 / options.steps,
    tokensPerSecond: seconds > 0 ? tokens / seconds : 0,
    peakTensorBytes: profile.peakBytes,
    wasmHeapBytes: wasmHeapBytes(),
    modelBytes,
    referenceSeconds,
  };
}

/** `aligndial bench train`: each trainable selection on a fresh random model of the shape. */
export async function runBenchTrain(options: BenchTrainOptions): Promise<TrainBenchmark> {
  const info = await initBackend(options.backend);
  const runs: TrainBenchmarkRun[] = [];
  for (const spec of options.trainable) runs.push(await benchOne(options, spec));
  return {
    backend: info.name,
    shape: options.shape,
    parameters: countParameters(configForShape(options.shape)),
    pairsPerStep: options.batchSize,
    sequenceLength: options.promptLength + options.completionLength,
    runs,
  };
}
