import { type ClmDecodeBenchmark, runClmDecodeBenchmark } from '@aligndial/clm';
import { type BackendName, createModelDecoder, initBackend, loadModel } from '@aligndial/core';
import { benchmarkDecoders } from '@aligndial/core/internal';
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
  json?: boolean;
}

/** Tokens/s for prefill and decode, measured on the real forward pass with a KV cache. */
export interface DecodeBenchmark {
  backend: string;
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
    .option('--rounds <n>', 'timed rounds (medians are reported)', intOption(1, 100), 3);
  addBackendFlag(command);
  addJsonFlag(command);
  addDeprecatedFlag(command, { old: '--prompt', replacement: '--prompt-length' });
  command.action(async (flags: Omit<BenchDecodeOptions, 'prompt'> & { promptLength: number }) => {
      const options: BenchDecodeOptions = { ...flags, prompt: flags.promptLength };
      if (options.adapter) {
        const clm = await runBenchDecodeClm(options);
        if (options.json) process.stdout.write(`${JSON.stringify(clm)}\n`);
        else {
          process.stdout.write(`backend ${clm.backend}; ${clm.decodeTokens} tokens after a ${clm.promptTokens}-token prompt, median of ${options.rounds} rounds\n`);
          for (const run of clm.runs) {
            const label = run.mode === 'base' ? 'base (single path)' : run.mode === 'clm' ? `CLM λ=${run.lambda}${run.lambda === 1 ? ' (single path)' : ' (dual path)'}` : `DeRa λ=${run.lambda}`;
            process.stdout.write(`${label.padEnd(28)} ${run.decodeTokensPerSecond.toFixed(1).padStart(8)} tokens/s  ${run.msPerToken.toFixed(2)} ms/token\n`);
          }
          process.stdout.write(`dual path / single path: ${clm.dualOverSingle.toFixed(2)}×   DeRa / single path: ${clm.deraOverSingle.toFixed(2)}×\n`);
        }
        return;
      }
      const result = await runBenchDecode(options);
      if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else {
        process.stdout.write(
          `backend ${result.backend}, median of ${result.rounds} rounds\nprefill: ${result.promptTokens} tokens, ${result.prefillTokensPerSecond.toFixed(1)} tokens/s\ndecode:  ${result.decodeTokens} tokens, ${result.decodeTokensPerSecond.toFixed(1)} tokens/s (${result.msPerToken.toFixed(2)} ms/token)\n`,
        );
      }
    });
}

/** CLM decode speeds: base vs λ=1 vs the λ-merged dual path vs DeRa. */
export function runBenchDecodeClm(options: BenchDecodeOptions): Promise<ClmDecodeBenchmark> {
  return runClmDecodeBenchmark({
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

/** Decode speed of a plain model with core's `benchmarkDecoders` (the loop `--adapter` uses too). */
export async function runBenchDecode(options: BenchDecodeOptions): Promise<DecodeBenchmark> {
  const info = await initBackend(options.backend);
  const model = loadModel(options.model);
  try {
    const [timing] = benchmarkDecoders([{ label: 'model', make: () => createModelDecoder(model) }], model.config.vocabSize, options);
    return {
      backend: info.name,
      promptTokens: options.prompt,
      decodeTokens: options.tokens,
      rounds: options.rounds,
      prefillTokensPerSecond: timing.prefillTokensPerSecond,
      decodeTokensPerSecond: timing.decodeTokensPerSecond,
      msPerToken: timing.msPerToken,
    };
  } finally {
    model.dispose();
  }
}
