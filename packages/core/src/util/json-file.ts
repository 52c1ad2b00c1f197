import { readFileSync } from 'node:fs';
import { AligndialError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { assertRegularFile } from '../io/regular-file.js';
import { decodeUtf8Strict } from './utf8.js';

/** Line and column (1-based) of a character offset in text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * Offset of the first JSON syntax error in `text` (a small validating scanner), or undefined when
 * it finds none. Node 20's JSON.parse says "at position N" for some errors but not for others
 * (`Unexpected token '}', "..." is not valid JSON`, `Unexpected end of JSON input`).
 */
export function jsonSyntaxErrorOffset(text: string): number | undefined {
  let i = 0;
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const fail = (): never => {
    throw new JsonScanError(i);
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++; // closing quote
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"') fail();
          string();
          ws();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === close) {
          i++;
          return;
        } else fail();
      }
    }
    if (c === '"') return string();
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    if (!NUMBER.test(text)) fail();
    i = NUMBER.lastIndex;
  };
  try {
    value();
    ws();
    return i < text.length ? i : undefined;
  } catch (error) {
    if (error instanceof JsonScanError) return Math.min(error.offset, text.length);
    return undefined; // e.g. nesting too deep for the stack: no position then
  }
}

class JsonScanError {
  constructor(readonly offset: number) {}
}

/**
 * Reads and parses a JSON file; a missing file or broken JSON is an AligndialError naming the
 * file (and line/column of the syntax error). `what` says what the file is for.
 */
export function readJsonFile(path: string, what = 'JSON file'): unknown {
  assertRegularFile(path, what);
  return parseJsonText(decodeUtf8Strict(readFileSync(path), path), path, what);
}

/**
 * Parses JSON text; a syntax error is an AligndialError `file:line:column: invalid JSON in {what} (…)`.
 * @param file - Names the file in the message.
 * @param firstLine - Line of the file where `text` starts (a JSONL row), so the reported line is the file's.
 */
export function parseJsonText(text: string, file: string, what = 'JSON', firstLine = 1): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8 quotes a snippet of the file (newlines included) in some messages; the line:column replaces it.
    const message = (error instanceof Error ? error.message : String(error)).replace(/, (\.\.\.)?".*" is not valid JSON$/s, '')
      .replace(/\r?\n/g, '\\n');
    const position = /position (\d+)/.exec(message);
    const offset = position ? Number(position[1]) : jsonSyntaxErrorOffset(text);
    const at = offset !== undefined ? (({ line, column }) => `:${line + firstLine - 1}:${column}`)(lineColumn(text, offset)) : firstLine === 1 ? '' : `:${firstLine}`;
    throw new AligndialError(`${file}${at}: invalid JSON in ${what} (${message})`);
  }
}

/** Writes pretty JSON atomically. */
export function writeJsonFile(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
