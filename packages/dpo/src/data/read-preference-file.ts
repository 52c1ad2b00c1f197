import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { AligndialError, assertRegularFile, decodeUtf8Strict, isAligndialError, parseJsonText } from '@aligndial/core';
import { type PreferenceExample, rowToPreferenceExample } from './preference-example.js';

/** File layouts {@link readPreferenceFile} reads; `auto` picks by extension. */
export type PreferenceFileFormat = 'auto' | 'jsonl' | 'json' | 'parquet';

export interface ReadPreferenceOptions {
  format?: PreferenceFileFormat;
  /** Drop invalid rows (reported in `skipped`) instead of throwing on the first one. */
  skipInvalid?: boolean;
  /** Stop after this many valid rows. */
  maxSamples?: number;
}

/** A row that was dropped with `skipInvalid`, and why. */
export interface SkippedRow {
  source: string;
  reason: string;
}

export interface PreferenceFileData {
  examples: PreferenceExample[];
  skipped: SkippedRow[];
}

/** 1-based line of the start of each element of a top-level JSON array (for error messages). */
export function jsonArrayElementLines(text: string): number[] {
  const lines: number[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let expecting = false;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t') continue;
    if (depth === 1 && expecting && ch !== ']') {
      lines.push(line);
      expecting = false;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      depth++;
      if (depth === 1 && ch === '[') expecting = true;
    } else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 1) expecting = true;
  }
  return lines;
}

class RowCollector {
  readonly examples: PreferenceExample[] = [];
  readonly skipped: SkippedRow[] = [];
  constructor(private readonly options: ReadPreferenceOptions) {}

  get full(): boolean {
    return this.options.maxSamples !== undefined && this.examples.length >= this.options.maxSamples;
  }

  add(source: string, parse: () => unknown): void {
    try {
      this.examples.push(rowToPreferenceExample(parse(), source));
    } catch (error) {
      if (!this.options.skipInvalid || !isAligndialError(error)) throw error;
      this.skipped.push({ source, reason: error.message.startsWith(`${source}: `) ? error.message.slice(source.length + 2) : error.message });
    }
  }
}

/**
 * JSONL rows: each line is decoded as strict UTF-8 and parsed on its own, so an invalid byte or a syntax
 * error is that row's error (`file:line:column`), which --skip-invalid drops like any other bad row.
 * The bytes are split (not decoded text), so one bad byte cannot shift the other lines.
 */
function readJsonl(path: string, bytes: Uint8Array, rows: RowCollector): void {
  let start = 0;
  for (let i = 0; start < bytes.length && !rows.full; i++) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    const line = bytes.subarray(start, end);
    start = end + 1;
    if (isBlank(line)) continue;
    rows.add(`${path}:${i + 1}`, () => parseJsonText(decodeUtf8Strict(line, path, i + 1), path, 'preference row', i + 1));
  }
}

function isBlank(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  return true;
}

function readJson(path: string, text: string, rows: RowCollector): void {
  let value: unknown;
  try {
    value = parseJsonText(text, path, 'preference data');
  } catch (error) {
    throw new AligndialError((error as Error).message, {
      hint: 'A .json file must hold one array of rows; use .jsonl for one JSON object per line.',
    });
  }
  if (!Array.isArray(value)) {
    throw new AligndialError(`${path}: expected a JSON array of preference rows, got ${value === null ? 'null' : typeof value}`);
  }
  const lines = jsonArrayElementLines(text);
  for (let i = 0; i < value.length && !rows.full; i++) {
    const row = value[i];
    rows.add(`${path}:${lines[i] ?? '?'} (row ${i})`, () => row);
  }
}

async function readParquet(path: string, rows: RowCollector, maxSamples?: number): Promise<void> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const fail = (error: unknown) => new AligndialError(`${path}: cannot read the parquet file (${parquetProblem(error)})`, { cause: error });
  let file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw fail(error);
  }
  const total = Number(metadata.num_rows);
  // Read in chunks so that --max-samples on a large file does not decode all of it.
  const chunk = Math.max(1024, (maxSamples ?? 0) * 2);
  for (let start = 0; start < total && !rows.full; start += chunk) {
    let records: Record<string, unknown>[];
    try {
      records = (await parquetReadObjects({ file, metadata, compressors, rowStart: start, rowEnd: Math.min(total, start + chunk) })) as Record<
        string,
        unknown
      >[];
    } catch (error) {
      throw fail(error);
    }
    for (let i = 0; i < records.length && !rows.full; i++) {
      const record = records[i];
      rows.add(`${path}: row ${start + i}`, () => record);
    }
  }
}

/**
 * The reader's message when it is about the file (e.g. "parquet file invalid (footer != PAR1)"); a
 * JavaScript TypeError/RangeError from deep inside the decoder says nothing useful about the file.
 */
function parquetProblem(error: unknown): string {
  if (!(error instanceof Error) || error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) {
    return 'not a parquet file, or corrupt';
  }
  const message = error.message.replace(/\s+/g, ' ').slice(0, 200);
  return /parquet/i.test(message) ? message : `corrupt parquet file: ${message}`;
}

/** The format of `path` from its extension (`.jsonl`/`.ndjson`, `.json`, `.parquet`). */
export function detectPreferenceFormat(path: string): Exclude<PreferenceFileFormat, 'auto'> {
  const ext = extname(path).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.json') return 'json';
  if (ext === '.parquet') return 'parquet';
  throw new AligndialError(`${path}: cannot tell the data format from the extension "${ext}"`, {
    hint: 'Use .jsonl (TRL rows), .json (ShareGPT / LLaMA-Factory array) or .parquet (UltraFeedback-binarized), or pass the format.',
  });
}

/**
 * Reads preference pairs from TRL JSONL, a ShareGPT/LLaMA-Factory JSON array, or parquet
 * (UltraFeedback-binarized). A bad row is an AligndialError naming the file and line (or row);
 * with `skipInvalid` it is dropped and listed in `skipped`.
 */
export async function readPreferenceFile(path: string, options: ReadPreferenceOptions = {}): Promise<PreferenceFileData> {
  assertRegularFile(path, 'preference data file');
  if (options.maxSamples !== undefined && !(Number.isInteger(options.maxSamples) && options.maxSamples >= 0)) {
    throw new AligndialError(`maxSamples must be a non-negative integer, got ${String(options.maxSamples)}`);
  }
  const format = !options.format || options.format === 'auto' ? detectPreferenceFormat(path) : options.format;
  const rows = new RowCollector(options);
  if (format === 'parquet') await readParquet(path, rows, options.maxSamples);
  else {
    const bytes = readFileSync(path);
    if (format === 'jsonl') readJsonl(path, bytes, rows);
    else readJson(path, decodeUtf8Strict(bytes, path), rows);
  }
  if (rows.examples.length === 0) {
    throw new AligndialError(`${path}: no valid preference rows${rows.skipped.length ? ` (${rows.skipped.length} invalid rows skipped; first: ${rows.skipped[0].source}: ${rows.skipped[0].reason})` : ''}`);
  }
  return { examples: rows.examples, skipped: rows.skipped };
}
