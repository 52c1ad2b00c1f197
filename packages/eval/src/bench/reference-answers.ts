import { EvalInputError } from '../errors.js';
import type { AnswerRecord } from '../io/answers.js';
import { writeJsonlAtomic } from '../io/jsonl.js';
import { loadBench } from './load-bench.js';

/**
 * The reference outputs a benchmark ships (AlpacaEval 2's baseline answers, just-eval's
 * reference answers) as an answers file, so they can be the baseline (B) of `eval compare`.
 * Written atomically; returns the number of answers.
 */
export function writeReferenceAnswers(bench: string, dataDir: string, outFile: string, options: { limit?: number } = {}): number {
  const all = loadBench(bench, dataDir);
  const items = options.limit === undefined ? all : all.slice(0, options.limit);
  const records: AnswerRecord[] = [];
  for (const item of items) {
    if (item.referenceOutput === undefined) {
      throw new EvalInputError(`benchmark "${bench}" ships no reference output for id "${item.id}"; bring the baseline's answers as an answers file`);
    }
    records.push({ id: item.id, prompt: item.prompt, output: item.referenceOutput });
  }
  writeJsonlAtomic(outFile, records);
  return records.length;
}
