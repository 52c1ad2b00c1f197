import {
  AligndialError,
  type ModelConfig,
  type RandomCheckpointDtype,
  parseModelConfig,
  parseTorchDtype,
  readJsonFile,
  saveTokenizer,
  countParameters,
  toHfConfig,
  writeJsonFile,
  writeRandomCheckpoint,
} from '@aligndial/core';
import { MODEL_SHAPES, type ModelShapeName, configForShape, createSyntheticTokenizerJson } from '@aligndial/core/testing';
import { join } from 'node:path';
import { createProgress } from '../progress.js';
import { type Command, Option } from 'commander';
import { UsageError } from '../cli-error.js';
import { addJsonFlag, printResult } from '../flag-vocabulary.js';
import { intOption } from '../option-parsers.js';

interface CreateRandomOptions {
  config?: string;
  shape?: ModelShapeName;
  out: string;
  seed: number;
  dtype?: string;
}

export function registerCreateRandomCommand(program: Command): void {
  const command = program
    .command('create-random')
    .description('Create a model with seeded random weights and a synthetic tokenizer, saved as a Hugging Face directory (for tests and benchmarks).')
    .option('--config <file>', 'a Hugging Face config.json (or a model directory holding one)')
    .addOption(new Option('--shape <name>', 'a named shape').choices(Object.keys(MODEL_SHAPES)))
    .requiredOption('--out <dir>', 'output directory')
    .option('--seed <s>', 'weight seed', intOption(0, 2 ** 32 - 1), 0)
    .addOption(new Option('--dtype <dtype>', 'weight dtype in model.safetensors (default: the config\'s torch_dtype, float32 for --shape)').choices(['float32', 'bfloat16', 'float16']));
  addJsonFlag(command);
  command
    .addHelpText('after', `\nShapes: ${Object.entries(MODEL_SHAPES).map(([n, s]) => `${n} (dim ${s.hiddenSize}, ${s.numLayers} layers, vocab ${s.vocabSize})`).join('; ')}`)
    .action(async (options: CreateRandomOptions & { json?: boolean }) => {
      const summary = await runCreateRandom(options);
      printResult(options.json, summary, (s) => `${s.out}: ${s.parameters} parameters (random ${s.dtype}, seed ${options.seed}), vocabulary ${s.vocabSize} (synthetic tokenizer)`);
    });
}

export async function runCreateRandom(options: CreateRandomOptions): Promise<{ out: string; parameters: number; vocabSize: number; dtype: string }> {
  if (!options.config === !options.shape) throw new UsageError('give exactly one of --config FILE or --shape NAME');
  let config: ModelConfig;
  let dtype: RandomCheckpointDtype = 'float32';
  if (options.shape) config = configForShape(options.shape);
  else {
    const path = options.config!.endsWith('.json') ? options.config! : join(options.config!, 'config.json');
    const raw = readJsonFile(path, 'model config') as Record<string, unknown>;
    config = parseModelConfig(raw, path);
    dtype = parseTorchDtype(raw.torch_dtype, path);
  }
  if (options.dtype) dtype = parseTorchDtype(options.dtype, '--dtype');
  if (config.vocabSize < 260) throw new AligndialError(`vocab_size ${config.vocabSize} is too small for the synthetic tokenizer (needs ≥ 260)`);
  const parameters = countParameters(config);
  // Tensor by tensor straight to disk: any size the disk holds, nothing in the tfjs heap.
  const progress = parameters > 20_000_000 ? createProgress('create-random (M parameters)', Math.round(parameters / 1e6)) : undefined;
  try {
    writeRandomCheckpoint(config, join(options.out, 'model.safetensors'), {
      seed: options.seed,
      dtype,
      onProgress: progress ? (done) => progress.update(Math.round(done / 1e6)) : undefined,
    });
  } finally {
    progress?.stop();
  }
  writeJsonFile(join(options.out, 'config.json'), { ...toHfConfig(config), torch_dtype: dtype });
  const generation: Record<string, unknown> = {};
  if (config.bosTokenId !== undefined) generation.bos_token_id = config.bosTokenId;
  if (config.eosTokenId !== undefined) generation.eos_token_id = config.eosTokenId;
  generation.max_length = config.maxPositionEmbeddings;
  writeJsonFile(join(options.out, 'generation_config.json'), generation);
  const { tokenizerJson, tokenizerConfig } = createSyntheticTokenizerJson(config.vocabSize);
  saveTokenizer(options.out, tokenizerJson, tokenizerConfig);
  return { out: options.out, parameters, vocabSize: config.vocabSize, dtype };
}
