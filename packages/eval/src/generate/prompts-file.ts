import { readTextFile } from '@aligndial/core';
import { EvalInputError } from '../errors.js';
import { asObject, turnsField } from '../io/fields.js';
import { readJsonl } from '../io/jsonl.js';
import type { Turns } from '../io/turns.js';

/** A prompt to answer: the minimal shape of a benchmark item. */
export interface PromptItem {
  id: string;
  prompt: Turns;
}

/**
 * Reads a user prompt file. `.jsonl`: one `{"prompt": "..." | ["turn 1", "turn 2"], "id"?: ...}`
 * per line (id defaults to the line number). Any other extension: one prompt per non-empty line,
 * id = line number.
 */
export function readPromptsFile(file: string): PromptItem[] {
  if (!file.endsWith('.jsonl')) {
    return readTextFile(file, 'prompts file')
      .split('\n')
      .map((line, i) => ({ id: String(i + 1), prompt: line.trim() }))
      .filter((p) => p.prompt !== '');
  }
  const seen = new Set<string>();
  return readJsonl(file).map(({ value, line }) => {
    const at = { file, line };
    const obj = asObject(value, at);
    const id = obj.id === undefined ? String(line) : String(obj.id);
    if (seen.has(id)) throw new EvalInputError(`duplicate id "${id}"`, at);
    seen.add(id);
    return { id, prompt: turnsField(obj, 'prompt', at) };
  });
}
