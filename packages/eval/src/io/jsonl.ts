import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { assertRegularFile, decodeUtf8Strict, isAligndialError } from '@aligndial/core';
import { EvalInputError } from '../errors.js';

/** One parsed JSONL line with its 1-based line number (for error messages). */
export interface JsonlLine {
  value: unknown;
  line: number;
}

/** Options for {@link readJsonl}. */
export interface ReadJsonlOptions {
  /**
   * Drop an unparsable last line that has no trailing newline: that is what a run killed
   * mid-write leaves behind, and resuming must not fail on it.
   */
  tolerateTornTail?: boolean;
}

/** Reads a JSONL file; blank lines are skipped, a bad line throws {@link EvalInputError} naming it. */
export function readJsonl(file: string, options: ReadJsonlOptions = {}): JsonlLine[] {
  if (!existsSync(file)) throw new EvalInputError('file not found', { file });
  assertRegularFile(file, 'JSONL file');
  const bytes = readFileSync(file);
  // Strict UTF-8, except in a torn last line (a killed write can cut a character in half).
  const end = options.tolerateTornTail ? bytes.lastIndexOf(0x0a) + 1 : bytes.length;
  const text = decodeUtf8Strict(bytes.subarray(0, end), file) + tornTail(bytes.subarray(end));
  const lines = text.split('\n');
  const out: JsonlLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    try {
      out.push({ value: JSON.parse(raw), line: i + 1 });
    } catch (err) {
      const isTornTail = i === lines.length - 1 && !text.endsWith('\n');
      if (options.tolerateTornTail && isTornTail) break;
      throw new EvalInputError(`invalid JSON (${(err as Error).message})`, { file, line: i + 1 });
    }
  }
  return out;
}

/** The bytes after the last newline, or '' when they are not valid UTF-8 (then they are a torn write). */
function tornTail(bytes: Uint8Array): string {
  try {
    return decodeUtf8Strict(bytes, 'tail');
  } catch (error) {
    if (isAligndialError(error)) return '';
    throw error;
  }
}

/** Cuts a trailing partial line (no final newline) so that appends start on a fresh line. */
export function repairTornTail(file: string): void {
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  if (text === '' || text.endsWith('\n')) return;
  truncateSync(file, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
}

/**
 * Appends one record as a line. Synchronous on purpose: each line lands whole and in call
 * order even when many judge calls finish at once.
 */
export function appendJsonl(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(value)}\n`);
}

/** Writes a whole file via a temporary file and rename, so readers never see half a file. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** Writes all records at once via a temporary file and rename, so readers never see half a file. */
export function writeJsonlAtomic(file: string, values: readonly unknown[]): void {
  writeFileAtomic(file, values.map((v) => `${JSON.stringify(v)}\n`).join(''));
}

/** Reads a whole JSON (not JSONL) file, throwing {@link EvalInputError} when missing or invalid. */
export function readJson(file: string): unknown {
  if (!existsSync(file)) throw new EvalInputError('file not found', { file });
  assertRegularFile(file, 'JSON file');
  const text = decodeUtf8Strict(readFileSync(file), file);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new EvalInputError(`invalid JSON (${(err as Error).message})`, { file });
  }
}
