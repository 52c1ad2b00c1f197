import { existsSync } from 'node:fs';
import { EvalInputError } from '../errors.js';
import { asObject, idField, turnsField } from './fields.js';
import { appendJsonl, readJsonl, repairTornTail } from './jsonl.js';
import type { Turns } from './turns.js';

/**
 * One line of an answer file: `{"id","prompt","output"}`. Single-turn answers hold strings;
 * multi-turn ones (MT-Bench) hold one string per turn in both `prompt` and `output`.
 */
export interface AnswerRecord {
  id: string;
  prompt: Turns;
  output: Turns;
  /** With several samples per prompt: the sample's 0-based index (its id is `PROMPT_ID#INDEX`). */
  sample?: number;
  /** The seed the answer was sampled with (the same for every turn of a conversation). */
  seed?: number;
  /** The generated token ids, one list per turn for multi-turn answers. */
  tokenIds?: number[] | number[][];
  /** λ the answer was generated at, one per turn for multi-turn answers. */
  lambda?: number | number[];
}

/** The optional fields of an answer line, checked loosely (they are provenance, not inputs). */
function optionalFields(obj: Record<string, unknown>, at: { file: string; line: number }): Partial<AnswerRecord> {
  const out: Partial<AnswerRecord> = {};
  const isIds = (v: unknown) => Array.isArray(v) && v.every((x) => Number.isInteger(x));
  for (const key of ['sample', 'seed'] as const) {
    if (obj[key] === undefined) continue;
    if (!Number.isInteger(obj[key])) throw new EvalInputError(`field "${key}" must be an integer`, at);
    out[key] = obj[key] as number;
  }
  if (obj.tokenIds !== undefined) {
    const v = obj.tokenIds;
    if (!isIds(v) && !(Array.isArray(v) && v.every(isIds))) throw new EvalInputError('field "tokenIds" must be a list of token ids (one list per turn)', at);
    out.tokenIds = v as number[] | number[][];
  }
  if (obj.lambda !== undefined) {
    const v = obj.lambda;
    if (typeof v !== 'number' && !(Array.isArray(v) && v.every((x) => typeof x === 'number'))) {
      throw new EvalInputError('field "lambda" must be a number (one per turn)', at);
    }
    out.lambda = v as number | number[];
  }
  return out;
}

/** Options for {@link readAnswers}. */
export interface ReadAnswersOptions {
  /** Ignore a half-written last line (used when resuming generation). */
  tolerateTornTail?: boolean;
}

/**
 * Reads and validates an answer file. Throws {@link EvalInputError} naming the file and line
 * for invalid JSON, missing fields, mismatched turn counts and duplicate ids.
 */
export function readAnswers(file: string, options: ReadAnswersOptions = {}): AnswerRecord[] {
  const seen = new Map<string, number>();
  return readJsonl(file, options).map(({ value, line }) => {
    const at = { file, line };
    const obj = asObject(value, at);
    const id = idField(obj, 'id', at);
    const prompt = turnsField(obj, 'prompt', at);
    const output = turnsField(obj, 'output', at);
    if (Array.isArray(prompt) !== Array.isArray(output) || (Array.isArray(prompt) && prompt.length !== output.length)) {
      throw new EvalInputError('"prompt" and "output" must both be strings or both be arrays with one entry per turn', at);
    }
    const first = seen.get(id);
    if (first !== undefined) throw new EvalInputError(`duplicate id "${id}" (first on line ${first})`, at);
    seen.set(id, line);
    return { id, prompt, output, ...optionalFields(obj, at) };
  });
}

/**
 * Opens an answer file for resuming: repairs a torn last line and returns the answers already
 * there (an absent file means none).
 */
export function openAnswersForResume(file: string): AnswerRecord[] {
  if (!existsSync(file)) return [];
  repairTornTail(file);
  return readAnswers(file, { tolerateTornTail: true });
}

/** Appends one answer line (creating the file and its folder if needed). */
export function appendAnswer(file: string, record: AnswerRecord): void {
  const { id, prompt, output, sample, seed, lambda, tokenIds } = record;
  // Token ids last: they are long, and the text fields stay readable at the start of the line.
  appendJsonl(file, {
    id,
    prompt,
    output,
    ...(sample !== undefined ? { sample } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(lambda !== undefined ? { lambda } : {}),
    ...(tokenIds !== undefined ? { tokenIds } : {}),
  });
}
