import { AligndialError, parseJsonText, readTextFile } from '@aligndial/core';

/** A query to self-generate preference data for. */
export interface QueryItem {
  id: string;
  query: string;
}

/**
 * Reads queries. `.jsonl`: one object per line with `prompt` (a string, or a list of turns — the first
 * turn is the query) and an optional `id` (default: the line number) — the prompt files `eval generate`
 * reads; `instruction` or `query` are accepted in place of `prompt`. Any other file: one query per
 * non-empty line, id = line number. Ids must be unique.
 */
export function readQueriesFile(file: string): QueryItem[] {
  const text = readTextFile(file, 'queries file');
  const lines = text.split(/\r?\n/);
  const items: QueryItem[] = [];
  const seen = new Set<string>();
  const jsonl = file.endsWith('.jsonl');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `${file}:${i + 1}`;
    let item: QueryItem;
    if (!jsonl) item = { id: String(i + 1), query: line };
    else {
      const value = parseJsonText(line, file, 'queries file', i + 1);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AligndialError(`${where}: expected a JSON object with "prompt"`);
      const obj = value as Record<string, unknown>;
      const field = ['prompt', 'instruction', 'query'].find((f) => obj[f] !== undefined);
      if (!field) throw new AligndialError(`${where}: field "prompt" is missing`);
      let prompt = obj[field];
      if (Array.isArray(prompt)) prompt = prompt[0];
      if (typeof prompt !== 'string' || prompt.trim() === '') throw new AligndialError(`${where}: field "${field}" must be a non-empty string (or a list of turns)`);
      const id = obj.id ?? obj.question_id;
      if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') throw new AligndialError(`${where}: field "id" must be a string or a number`);
      item = { id: id === undefined ? String(i + 1) : String(id), query: prompt };
    }
    if (seen.has(item.id)) throw new AligndialError(`${where}: duplicate id "${item.id}"`);
    seen.add(item.id);
    items.push(item);
  });
  if (items.length === 0) throw new AligndialError(`${file}: no queries found`);
  return items;
}
