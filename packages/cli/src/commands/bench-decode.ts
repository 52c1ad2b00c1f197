import { type ClmDecodeBenchmark, runClmDecodeBenchmark } from '@aligndial/clm';
import { AligndialError, type BackendName, type WeightsChoice, WEIGHTS_CHOICES, backendInfo, countParameters, createModelDecoder, initBackend, loadModel } from '@aligndial/core';
import { benchmarkDecoders } from '@aligndial/core/internal';
import { addEngineFlags, applyEngineFlags } from '../engine-flags.js';
import type { Command } from 'commander';
import { addBackendFlag, addDeprecatedFlag, addJsonFlag } from '../flag-vocabulary.js';
import { intOption, numberOption } from '../option-parsers.js';

interface BenchDecodeOptions {
  model: string;
  adapter?: string;
  lambda?: number;
  tokens: number;
  prompt: number;
  warmup: number;
  rounds: number;
  backend?: BackendName | 'auto';
  /** Storage types to compare, measured in alternating rounds: auto, f32, bf16, int8, or tfjs (Variables, no engine). */
  weights?: string;
  threads?: number;
  json?: boolean;
}

/** Tokens/s for prefill and decode, measured on the real forward pass with a KV cache. */
export interface DecodeBenchmark {
  backend: string;
  /** How the matrices were held: f32/bf16/int8 in the engine, or tfjs. */
  weights: string;
  /** Engine threads (absent for tfjs weights). */
  threads?: number;
  /** Effective prefill throughput: 2 · parameters · prompt tokens / prefill seconds. */
  prefillGflops: number;
  promptTokens: number;
  decodeTokens: number;
  /** Rounds measured; the figures below are medians over them (as with `--adapter`). */
  rounds: number;
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
  msPerToken: number;
}

export function registerBenchDecodeCommand(bench: Command): void {
  const command = bench
    .command('decode')
    .description('Measure prefill and decode speed (tokens/s) of a model directory, batch 1, greedy.')
    .requiredOption('--model <dir>', 'model directory')
    .option('--adapter <dir>', 'CLM adapter: compare base, λ=1, λ-merged dual path and DeRa (two whole models)')
    .option('--lambda <λ>', 'λ for the dual-path measurement (with --adapter)', numberOption(), 0.5)
    .option('--tokens <n>', 'tokens to decode', intOption(1, 100_000), 128)
    .option('--prompt-length <n>', 'prompt tokens (for the prefill measurement)', intOption(1, 100_000), 32)
    .option('--warmup <n>', 'untimed decode steps first', intOption(0, 1000), 8)
    .option('--rounds <n>', 'timed rounds (medians are reported)', intOption(1, 100), 3)
    .option('--compare-weights <list>', `comma-separated storage types to compare in alternating rounds (instead of --weights): ${WEIGHTS_CHOICES.join(', ')}, tfjs (Variables, no engine)`);
  addEngineFlags(command);
  addBackendFlag(command);
  addJsonFlag(command);
  addDeprecatedFlag(command, { old: '--prompt', replacement: '--prompt-length' });
  command.action(async (flags: Omit<BenchDecodeOptions, 'prompt'> & { promptLength: number; compareWeights?: string }) => {
      const options: BenchDecodeOptions = { ...flags, prompt: flags.promptLength, weights: flags.compareWeights ?? flags.weights };
      if (options.adapter) {
        const clm = await runBenchDecodeClm(options);
        if (options.json) process.stdout.write(`${JSON.stringify(clm)}\n`);
        else {
          process.stdout.write(`backend ${clm.backend}, weights ${clm.weights}; ${clm.decodeTokens} tokens after a ${clm.promptTokens}-token prompt, median of ${options.rounds} rounds\n`);
          for (const run of clm.runs) {
            const label = run.mode === 'base' ? 'base (single path)' : run.mode === 'clm' ? `CLM λ=${run.lambda}${run.lambda === 1 ? ' (single path)' : ' (dual path)'}` : `DeRa λ=${run.lambda}`;
            process.stdout.write(`${label.padEnd(28)} ${run.decodeTokensPerSecond.toFixed(1).padStart(8)} tokens/s  ${run.msPerToken.toFixed(2)} ms/token\n`);
          }
          process.stdout.write(`dual path / single path: ${clm.dualOverSingle.toFixed(2)}×   DeRa / single path: ${clm.deraOverSingle.toFixed(2)}×\n`);
        }
        return;
      }
      const results = await runBenchDecodeAll(options);
      if (options.json) process.stdout.write(`${JSON.stringify(results.length === 1 ? results[0] : results)}\n`);
      else {
        for (const result of results) {
          process.stdout.write(
            `backend ${result.backend}, weights ${result.weights}${result.threads ? `, ${result.threads} engine threads` : ''}, median of ${result.rounds} rounds\nprefill: ${result.promptTokens} tokens, ${result.prefillTokensPerSecond.toFixed(1)} tokens/s (${result.prefillGflops.toFixed(1)} GFLOP/s)\ndecode:  ${result.decodeTokens} tokens, ${result.decodeTokensPerSecond.toFixed(1)} tokens/s (${result.msPerToken.toFixed(2)} ms/token)\n`,
          );
        }
      }
    });
}

/** CLM decode speeds: base vs λ=1 vs the λ-merged dual path vs DeRa. */
export function runBenchDecodeClm(options: BenchDecodeOptions): Promise<ClmDecodeBenchmark> {
  const kinds = parseWeightsList(options.weights);
  if (kinds.length > 1) throw new AligndialError('--compare-weights does not apply with --adapter', { hint: 'Measure one storage type at a time: --weights TYPE.' });
  applyEngineFlags({ threads: options.threads });
  return runClmDecodeBenchmark({
    weights: kinds[0] === 'tfjs' ? undefined : kinds[0],
    model: options.model,
    adapter: options.adapter,
    lambda: options.lambda,
    tokens: options.tokens,
    prompt: options.prompt,
    warmup: options.warmup,
    rounds: options.rounds,
    backend: options.backend,
  });
}

/** Parses `--weights` for the benchmark: a comma-separated list of storage types (and `tfjs`). */
function parseWeightsList(value: string | undefined): (WeightsChoice | 'tfjs')[] {
  const allowed = [...WEIGHTS_CHOICES, 'tfjs'];
  const list = (value ?? 'auto').split(',').map((v) => v.trim().toLowerCase()).filter(Boolean);
  for (const v of list) if (!allowed.includes(v)) throw new AligndialError(`--weights: unknown storage type "${v}"`, { hint: `Use a comma-separated list of: ${allowed.join(', ')}.` });
  return list as (WeightsChoice | 'tfjs')[];
}

/** Decode speed for one model directory (the first `--weights` storage type). */
export async function runBenchDecode(options: BenchDecodeOptions): Promise<DecodeBenchmark> {
  return (await runBenchDecodeAll({ ...options, weights: parseWeightsList(options.weights)[0] }))[0];
}

/**
 * Decode speed for each storage type in `--weights`: the models loaded side by side and measured with
 * core's `benchmarkDecoders` (interleaved rounds, medians), so a busy machine hits them alike.
 */
export async function runBenchDecodeAll(options: BenchDecodeOptions): Promise<DecodeBenchmark[]> {
  const info = await initBackend(options.backend);
  applyEngineFlags({ threads: options.threads });
  const kinds = parseWeightsList(options.weights);
  const models = kinds.map((k) => loadModel(options.model, { weights: k === 'tfjs' ? undefined : k }));
  try {
    const timings = benchmarkDecoders(
      models.map((model, i) => ({ label: kinds[i], make: () => createModelDecoder(model) })),
      models[0].config.vocabSize,
      options,
    );
    const params = countParameters(models[0].config);
    const threads = backendInfo()?.engine?.threads;
    return models.map((model, i) => {
      const storage = model.weightStorage;
      const t = timings[i];
      return {
        backend: info.name,
        weights: storage ?? 'tfjs',
        ...(storage && threads ? { threads } : {}),
        promptTokens: options.prompt,
        decodeTokens: options.tokens,
        rounds: options.rounds,
        prefillTokensPerSecond: t.prefillTokensPerSecond,
        prefillGflops: (2 * params * t.prefillTokensPerSecond) / 1e9,
        decodeTokensPerSecond: t.decodeTokensPerSecond,
        msPerToken: t.msPerToken,
      };
    });
  } finally {
    for (const model of models) model.dispose();
  }
}
