import { AligndialError, assertFitsBackend, initBackend, loadModelConfig, parseModelConfig, readJsonFile, saveModel, saveTokenizer, countParameters } from '@aligndial/core';
import { MODEL_SHAPES, type ModelShapeName, configForShape, createRandomModel, createSyntheticTokenizerJson } from '@aligndial/core/testing';
import { type Command, Option } from 'commander';
import { UsageError } from '../cli-error.js';
import { addJsonFlag, printResult } from '../flag-vocabulary.js';
import { intOption } from '../option-parsers.js';

interface CreateRandomOptions {
  config?: string;
  shape?: ModelShapeName;
  out: string;
  seed: number;
}

export function registerCreateRandomCommand(program: Command): void {
  const command = program
    .command('create-random')
    .description('Create a model with seeded random weights and a synthetic tokenizer, saved as a Hugging Face directory (for tests and benchmarks).')
    .option('--config <file>', 'a Hugging Face config.json (or a model directory holding one)')
    .addOption(new Option('--shape <name>', 'a named shape').choices(Object.keys(MODEL_SHAPES)))
    .requiredOption('--out <dir>', 'output directory')
    .option('--seed <s>', 'weight seed', intOption(0, 2 ** 32 - 1), 0);
  addJsonFlag(command);
  command
    .addHelpText('after', `\nShapes: ${Object.entries(MODEL_SHAPES).map(([n, s]) => `${n} (dim ${s.hiddenSize}, ${s.numLayers} layers, vocab ${s.vocabSize})`).join('; ')}`)
    .action(async (options: CreateRandomOptions & { json?: boolean }) => {
      const summary = await runCreateRandom(options);
      printResult(options.json, summary, (s) => `${s.out}: ${s.parameters} parameters (random, seed ${options.seed}), vocabulary ${s.vocabSize} (synthetic tokenizer)`);
    });
}

export async function runCreateRandom(options: CreateRandomOptions): Promise<{ out: string; parameters: number; vocabSize: number }> {
  if (!options.config === !options.shape) throw new UsageError('give exactly one of --config FILE or --shape NAME');
  await initBackend();
  const config = options.shape
    ? configForShape(options.shape)
    : options.config!.endsWith('.json')
      ? parseModelConfig(readJsonFile(options.config!, 'model config'), options.config!)
      : loadModelConfig(options.config!);
  if (config.vocabSize < 260) throw new AligndialError(`vocab_size ${config.vocabSize} is too small for the synthetic tokenizer (needs ≥ 260)`);
  // The random weights are made as one in-memory model: refuse, with the reason, what the backend cannot hold
  // (e.g. Llama-3.2-1B on wasm) instead of failing inside tfjs with a stack trace.
  assertFitsBackend(config, options.config ?? `--shape ${options.shape}`);
  const model = createRandomModel(config, { seed: options.seed });
  try {
    saveModel(model, options.out);
  } finally {
    model.dispose();
  }
  const { tokenizerJson, tokenizerConfig } = createSyntheticTokenizerJson(config.vocabSize);
  saveTokenizer(options.out, tokenizerJson, tokenizerConfig);
  return { out: options.out, parameters: countParameters(config), vocabSize: config.vocabSize };
}
