import { loadBench } from '../bench/load-bench.js';
import { EvalInputError } from '../errors.js';
import { type AnswerRecord, appendAnswer, openAnswersForResume } from '../io/answers.js';
import { hashString } from '@aligndial/core';
import type { ChatMessage, GeneratedText, Generator } from './generator.js';
import { type PromptItem, readPromptsFile } from './prompts-file.js';

/** Progress of {@link generateAnswers}, reported after each answer. */
export interface GenerateProgress {
  /** Answers present in the out file (resumed + new). */
  done: number;
  /** Answers the run aims for (after `limit`). */
  total: number;
  /** Answers found in the out file at start and not regenerated. */
  resumed: number;
  /** The id just answered. */
  id: string;
}

/** Options for {@link generateAnswers}: exactly one of `bench` or `prompts`. */
export interface GenerateAnswersOptions {
  /** Benchmark name for {@link loadBench} (needs `dataDir`). */
  bench?: string;
  /** Data folder holding the benchmarks. */
  dataDir?: string;
  /** A prompt file path (see {@link readPromptsFile}) or the prompts themselves. */
  prompts?: string | readonly PromptItem[];
  /** The model to answer with. */
  generator: Generator;
  /** Answer file (JSONL `{"id","prompt","output"}`); appended to, so a rerun resumes. */
  outFile: string;
  /** Answer only the first N prompts. */
  limit?: number;
  /**
   * Answers per prompt (default 1). With more than one, each sample is its own line with id
   * `PROMPT_ID#K` (K = 0…N−1) and field `sample`.
   */
  numSamples?: number;
  /**
   * Base seed. When given, every answer gets its own seed derived from it, the prompt id and the
   * sample index ({@link answerSeed}), passed to the generator and recorded as `seed`, so samples
   * differ from each other and a rerun repeats them.
   */
  seed?: number;
  /** Called after each new answer. */
  onProgress?: (progress: GenerateProgress) => void;
}

/** Summary returned by {@link generateAnswers}. */
export interface GenerateAnswersResult {
  outFile: string;
  total: number;
  generated: number;
  resumed: number;
}

function selectPrompts(options: GenerateAnswersOptions): readonly PromptItem[] {
  if ((options.bench === undefined) === (options.prompts === undefined)) {
    throw new EvalInputError('give exactly one of "bench" or "prompts"');
  }
  if (options.bench !== undefined) {
    if (options.dataDir === undefined) throw new EvalInputError(`"dataDir" is needed to load benchmark "${options.bench}"`);
    return loadBench(options.bench, options.dataDir);
  }
  return typeof options.prompts === 'string' ? readPromptsFile(options.prompts) : (options.prompts ?? []);
}

/** The seed of one answer: FNV-1a of (base seed, prompt id, sample index), a 32-bit unsigned integer. */
export function answerSeed(baseSeed: number, id: string, sample: number): number {
  return hashString(`${baseSeed}\u0000${id}\u0000${sample}`);
}

const asGenerated = (out: string | GeneratedText): GeneratedText => (typeof out === 'string' ? { text: out } : out);

/**
 * Answers one prompt; multi-turn prompts are answered turn by turn, feeding earlier answers back.
 * Token ids and λ are kept when the generator reports them for every turn.
 */
async function answer(
  generator: Generator,
  item: PromptItem,
  sample: number,
  seed: number | undefined,
): Promise<Pick<AnswerRecord, 'output' | 'tokenIds' | 'lambda'>> {
  const context = { id: item.id, sample, ...(seed !== undefined ? { seed } : {}) };
  const { prompt } = item;
  if (typeof prompt === 'string') {
    const out = asGenerated(await generator(prompt, { ...context, turn: 1 }));
    return { output: out.text, ...(out.tokenIds ? { tokenIds: out.tokenIds } : {}), ...(out.lambda !== undefined ? { lambda: out.lambda } : {}) };
  }
  const messages: ChatMessage[] = [];
  const outs: GeneratedText[] = [];
  for (const [i, turn] of prompt.entries()) {
    messages.push({ role: 'user', content: turn });
    const out = asGenerated(await generator([...messages], { ...context, turn: i + 1 }));
    messages.push({ role: 'assistant', content: out.text });
    outs.push(out);
  }
  return {
    output: outs.map((o) => o.text),
    ...(outs.every((o) => o.tokenIds) ? { tokenIds: outs.map((o) => o.tokenIds!) } : {}),
    ...(outs.every((o) => o.lambda !== undefined) ? { lambda: outs.map((o) => o.lambda!) } : {}),
  };
}

/**
 * Generates answers for a benchmark or prompt file with an injected {@link Generator}, appending
 * one line per prompt to `outFile` as soon as it is answered. Prompts whose id is already in
 * `outFile` are skipped, so rerunning after an interruption resumes. Prompts are answered one at
 * a time (local models are not concurrent); a generator error stops the run with the answers so
 * far saved.
 */
export async function generateAnswers(options: GenerateAnswersOptions): Promise<GenerateAnswersResult> {
  const all = selectPrompts(options);
  const limited = options.limit === undefined ? all : all.slice(0, options.limit);
  const numSamples = options.numSamples ?? 1;
  if (!Number.isInteger(numSamples) || numSamples < 1) throw new EvalInputError(`"numSamples" must be a positive integer, got ${numSamples}`);
  // One work item per sample; with several samples each gets its own id.
  const items = limited.flatMap((item) =>
    Array.from({ length: numSamples }, (_, k) => ({ ...item, id: numSamples === 1 ? item.id : `${item.id}#${k}`, promptId: item.id, sample: k })),
  );
  const existing = new Map(openAnswersForResume(options.outFile).map((r) => [r.id, r]));
  for (const item of items) {
    const prev = existing.get(item.id);
    if (prev && JSON.stringify(prev.prompt) !== JSON.stringify(item.prompt)) {
      throw new EvalInputError(`already holds id "${item.id}" with a different prompt; use a new output file`, {
        file: options.outFile,
      });
    }
  }
  const todo = items.filter((item) => !existing.has(item.id));
  const resumed = items.length - todo.length;
  let done = resumed;
  for (const item of todo) {
    const { promptId } = item;
    const seed = options.seed === undefined ? undefined : answerSeed(options.seed, promptId, item.sample);
    const generated = await answer(options.generator, { ...item, id: promptId }, item.sample, seed);
    appendAnswer(options.outFile, {
      id: item.id,
      prompt: item.prompt,
      output: generated.output,
      ...(numSamples > 1 ? { sample: item.sample } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(generated.lambda !== undefined ? { lambda: generated.lambda } : {}),
      ...(generated.tokenIds ? { tokenIds: generated.tokenIds } : {}),
    });
    done++;
    options.onProgress?.({ done, total: items.length, resumed, id: item.id });
  }
  return { outFile: options.outFile, total: items.length, generated: todo.length, resumed };
}
