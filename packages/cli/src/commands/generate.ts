import { type WeightsChoice, type BackendName, type ChatMessage, type GenerateResult, backendInfo } from '@aligndial/core';
import type { Command } from 'commander';
import { openModelSession } from '../model-session.js';
import { addModelSessionFlags } from '../model-session-flags.js';
import { addJsonFlag } from '../flag-vocabulary.js';
import { intOption, numberOption } from '../option-parsers.js';
import { warnIfNoChatTemplate } from './chat-template-warning.js';

export interface GenerateCommandOptions {
  model: string;
  prompt: string;
  chat?: boolean;
  system?: string;
  maxNewTokens: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
  seed: number;
  stop?: string[];
  backend?: BackendName | 'auto';
  weights?: WeightsChoice;
  threads?: number;
  json?: boolean;
}

/** The JSON line `aligndial generate --json` prints. */
export interface GenerateJson {
  promptIds: number[];
  ids: number[];
  text: string;
  finishReason: string;
  backend: string;
  /** The matmul engine running the frozen weights (absent when they are tfjs tensors, e.g. on node-gpu). */
  engine?: { name: string; threads: number; threadsSource: string };
  /** How the weight matrices are held: f32 / bf16 / int8 in the engine, or `tfjs` (float32 tfjs Variables). */
  weights: string;
  tokensPerSecond: number;
  prefillSeconds: number;
  decodeSeconds: number;
}

export function registerGenerateCommand(program: Command): void {
  const command = addModelSessionFlags(
    program.command('generate').description('Generate text with a Hugging Face model directory (Llama, Qwen2, Mistral).'),
  )
    .requiredOption('--prompt <text>', 'the prompt (with --chat: the user message)')
    .option('--chat', 'wrap the prompt in the model\'s chat template as a user turn')
    .option('--system <text>', 'system message (with --chat)')
    .option('--max-new-tokens <n>', 'tokens to generate at most', intOption(0, 1_000_000), 128)
    .option('--temperature <t>', '0 = greedy (default: generation_config.json, else 0)', numberOption(0))
    .option('--top-k <k>', 'sample from the k most likely tokens (0 = all)', intOption(0))
    .option('--top-p <p>', 'nucleus sampling mass in (0, 1]', numberOption(Number.MIN_VALUE, 1))
    .option('--repetition-penalty <r>', '> 1 discourages repeats', numberOption(Number.MIN_VALUE))
    .option('--seed <s>', 'sampling seed', intOption(0, 2 ** 32 - 1), 0)
    .option('--stop <text...>', 'stop when the text contains one of these strings');
  addJsonFlag(command);
  command
    .addHelpText(
      'after',
      '\nWith --json: {promptIds, ids, text, finishReason, backend, tokensPerSecond, prefillSeconds, decodeSeconds}; without it the text streams.',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  aligndial generate --model DIR --prompt "Once upon a time" --max-new-tokens 64\n  aligndial generate --model DIR --chat --prompt "What is 2+3?" --temperature 0 --json',
    )
    .action(async (options: GenerateCommandOptions) => {
      await runGenerate(options);
    });
}

export async function runGenerate(options: GenerateCommandOptions, out: NodeJS.WritableStream = process.stdout): Promise<GenerateJson> {
  const session = await openModelSession(options);
  const { defaults, backend } = session;
  if (options.chat) warnIfNoChatTemplate(session.tokenizer, options.model, '--chat');
  const weightStorage = session.model.weightStorage;
  const prompt: string | ChatMessage[] = options.chat
    ? [...(options.system ? [{ role: 'system', content: options.system }] : []), { role: 'user', content: options.prompt }]
    : options.prompt;
  let promptIds: number[];
  let result: GenerateResult;
  try {
    promptIds = session.encodePrompt(prompt);
    result = await session.generate([prompt], {
      maxNewTokens: options.maxNewTokens,
      temperature: options.temperature ?? defaults.temperature ?? 0,
      topK: options.topK ?? defaults.topK,
      topP: options.topP ?? defaults.topP,
      repetitionPenalty: options.repetitionPenalty ?? defaults.repetitionPenalty,
      seed: options.seed,
      stopStrings: options.stop,
      onToken: options.json ? undefined : (event) => out.write(event.text),
    });
  } finally {
    // runGenerate is public API: free the model's tensors on errors too.
    session.dispose();
  }
  const sequence = result.sequences[0];
  const json: GenerateJson = {
    promptIds,
    ids: sequence.ids,
    text: sequence.text ?? '',
    finishReason: sequence.finishReason,
    backend: backend.name,
    ...engineReport(weightStorage),
    tokensPerSecond: round(result.tokensPerSecond, 2),
    prefillSeconds: round(result.prefillSeconds, 4),
    decodeSeconds: round(result.decodeSeconds, 4),
  };
  if (options.json) out.write(`${JSON.stringify(json)}\n`);
  else out.write('\n');
  return json;
}

function engineReport(storage: string | undefined): Pick<GenerateJson, 'engine' | 'weights'> {
  const engine = storage ? backendInfo()?.engine : undefined;
  return {
    ...(engine ? { engine: { name: engine.name, threads: engine.threads, threadsSource: engine.threadsSource } } : {}),
    weights: storage ?? 'tfjs',
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
