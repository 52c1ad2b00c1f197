import { EvalInputError } from '../errors.js';
import { asObject } from '../io/fields.js';
import type { AnswerRecord } from '../io/answers.js';
import { readJsonl, writeJsonlAtomic } from '../io/jsonl.js';
import type { BenchItem } from './bench-item.js';

/**
 * The answer text of one line of another tool's answer file: arena-hard-auto v0.1 / FastChat
 * (`choices[0].turns[*].content` or `.turns[*]` strings), arena-hard-auto v2 (`messages[-1].content.answer`
 * or `.content`), or a plain `output`/`answer`/`response` string.
 */
function answerTurns(obj: Record<string, unknown>): string[] | undefined {
  const choices = obj.choices as Array<{ turns?: unknown[] }> | undefined;
  const turns = choices?.[0]?.turns;
  if (Array.isArray(turns)) {
    const texts = turns.map((t) => (typeof t === 'string' ? t : (t as { content?: unknown })?.content));
    if (texts.every((t): t is string => typeof t === 'string')) return texts;
  }
  const messages = obj.messages as Array<{ content?: unknown }> | undefined;
  const last = Array.isArray(messages) ? messages[messages.length - 1]?.content : undefined;
  if (typeof last === 'string') return [last];
  if (typeof (last as { answer?: unknown })?.answer === 'string') return [(last as { answer: string }).answer];
  for (const key of ['output', 'answer', 'response']) if (typeof obj[key] === 'string') return [obj[key] as string];
  return undefined;
}

/**
 * Converts another tool's answers to a benchmark (e.g. Arena-Hard's official gpt-4-0314 baseline
 * from arena-hard-auto, FastChat's MT-Bench answers) into an answers file: each line is matched
 * to the benchmark's prompt by `uid`, `question_id` or `id`. Every benchmark prompt must have an
 * answer; lines for unknown ids are an error (ids in `otherIds`, e.g. prompts cut by a limit, are
 * skipped). Written atomically; returns the number of answers.
 */
export function importAnswers(file: string, items: readonly BenchItem[], outFile: string, options: { otherIds?: ReadonlySet<string> } = {}): number {
  const byId = new Map(items.map((item) => [item.id, item]));
  const answers = new Map<string, AnswerRecord>();
  for (const { value, line } of readJsonl(file)) {
    const at = { file, line };
    const obj = asObject(value, at);
    const rawId = obj.uid ?? obj.question_id ?? obj.id;
    if (typeof rawId !== 'string' && typeof rawId !== 'number') throw new EvalInputError('no "uid", "question_id" or "id"', at);
    const id = String(rawId);
    const item = byId.get(id);
    if (!item && options.otherIds?.has(id)) continue; // a prompt of the benchmark outside the selection
    if (!item) throw new EvalInputError(`id "${id}" is not a prompt of this benchmark`, at);
    const turns = answerTurns(obj);
    if (!turns) throw new EvalInputError('no answer text (expected choices[0].turns, messages[-1].content or "output")', at);
    const nTurns = typeof item.prompt === 'string' ? 1 : item.prompt.length;
    if (turns.length !== nTurns) throw new EvalInputError(`id "${id}" has ${nTurns} turn(s) but the answer has ${turns.length}`, at);
    answers.set(id, { id, prompt: item.prompt, output: typeof item.prompt === 'string' ? turns[0] : turns });
  }
  const missing = items.filter((item) => !answers.has(item.id));
  if (missing.length > 0) throw new EvalInputError(`${missing.length} prompt(s) have no answer, e.g. id "${missing[0].id}"`, { file });
  writeJsonlAtomic(
    outFile,
    items.map((item) => answers.get(item.id)),
  );
  return items.length;
}
