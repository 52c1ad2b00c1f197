import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { AligndialError, assertRegularFile, decodeUtf8Strict, firstInvalidUtf8, parseJsonText, writeFileAtomic } from '@aligndial/core';
import { type ModelFingerprint, canonicalJson } from '@aligndial/core';
import type { PreferenceTemplates } from './templates.js';

/** Sampling settings of one generation step (recorded in the data file's header). */
export interface SamplingSettings {
  maxNewTokens: number;
  /** 0 = greedy. */
  temperature: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
  /** Generation of a row stops at the first of these strings (the text is cut before it). */
  stopStrings?: string[];
}

/** Everything that determines the generated data; a resumed run must use the same. */
export interface PreferenceDataSettings {
  model: ModelFingerprint;
  templates: PreferenceTemplates;
  /** Prompts wrapped in the tokenizer's chat template as one user turn (false: raw text, as the paper does with base models). */
  chat: boolean;
  /** Step 1: characteristics of a helpful / harmful answer. */
  traits: SamplingSettings;
  /** Step 2: the answers. */
  answers: SamplingSettings;
  /** Base seed; the query at position i of the queries file samples with seed + 2i (traits) and seed + 2i + 1 (answers). */
  seed: number;
  /** Queries per generate() batch (1 = results independent of batching and of resuming). */
  batchSize: number;
}

/** One self-generated preference pair. */
export interface PreferenceRecord {
  id: string;
  query: string;
  helpfulTraits: string;
  harmfulTraits: string;
  helpful: string;
  harmful: string;
}

/** First line of a preference-data JSONL file. */
export interface PreferenceDataHeader {
  kind: typeof PREFERENCE_DATA_KIND;
  version: 1;
  createdAt: string;
  settings: PreferenceDataSettings;
}

export const PREFERENCE_DATA_KIND = 'aligndial.alignez.preference-data';

/** A parsed preference-data file. */
export interface PreferenceData {
  header: PreferenceDataHeader;
  records: PreferenceRecord[];
}

const RECORD_FIELDS = ['id', 'query', 'helpfulTraits', 'harmfulTraits', 'helpful', 'harmful'] as const;

function parseRecord(value: unknown, where: string): PreferenceRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AligndialError(`${where}: expected a JSON object`);
  const obj = value as Record<string, unknown>;
  for (const f of RECORD_FIELDS) if (typeof obj[f] !== 'string') throw new AligndialError(`${where}: field "${f}" must be a string`);
  return Object.fromEntries(RECORD_FIELDS.map((f) => [f, obj[f]])) as unknown as PreferenceRecord;
}

interface ParsedFile extends PreferenceData {
  /** Byte length of the complete lines (a torn last line, from an interrupted run, lies beyond). */
  validBytes: number;
  tornTail: boolean;
}

/** The last line's text; invalid UTF-8 there (a character cut by a killed write) makes it unparsable JSON. */
function lenientTail(bytes: Uint8Array): string {
  return firstInvalidUtf8(bytes) < bytes.length ? '\u0000torn' : new TextDecoder().decode(bytes);
}

function parseFile(file: string, allowTornTail: boolean): ParsedFile {
  assertRegularFile(file, 'preference-data file');
  const buffer = readFileSync(file);
  // Complete lines must be valid UTF-8; the torn tail of a killed write may end inside a character.
  const cut = buffer.lastIndexOf(0x0a) + 1;
  const complete = decodeUtf8Strict(buffer.subarray(0, cut), file);
  const tail = lenientTail(buffer.subarray(cut));
  const lines = complete.split('\n');
  lines.pop();
  let tornTail = false;
  if (tail.trim() !== '') {
    // A last line without its newline: complete JSON is accepted, a torn one only when resuming.
    try {
      JSON.parse(tail);
      lines.push(tail);
    } catch {
      if (!allowTornTail) throw new AligndialError(`${file}:${lines.length + 1}: the last line is incomplete (an interrupted run?)`, { hint: 'Run `alignez generate-data` again with the same --out to resume and repair it.' });
      tornTail = true;
    }
  }
  if (lines.length === 0) throw new AligndialError(`${file}: empty preference-data file (no header line)`);
  const header = parseJsonText(lines[0], file, 'preference-data header') as PreferenceDataHeader;
  if (header?.kind !== PREFERENCE_DATA_KIND || header.version !== 1 || typeof header.settings !== 'object') {
    throw new AligndialError(`${file}:1: not an alignez preference-data file (expected a header with kind "${PREFERENCE_DATA_KIND}", version 1)`, {
      hint: 'Create it with `aligndial alignez generate-data`.',
    });
  }
  const records: PreferenceRecord[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const where = `${file}:${i + 1}`;
    const value = parseJsonText(lines[i], file, 'preference-data record', i + 1);
    const record = parseRecord(value, where);
    if (seen.has(record.id)) throw new AligndialError(`${where}: duplicate id "${record.id}"`);
    seen.add(record.id);
    records.push(record);
  }
  return { header, records, validBytes: Buffer.byteLength(complete, 'utf8') + (tornTail ? 0 : Buffer.byteLength(tail, 'utf8')), tornTail };
}

/** Reads a preference-data JSONL file (header line + one record per line); errors name the file and line. */
export function readPreferenceData(file: string): PreferenceData {
  if (!existsSync(file)) throw new AligndialError(`${file}: preference-data file not found`);
  if (statSync(file).isDirectory()) throw new AligndialError(`${file}: expected a preference-data file, found a directory`);
  const { header, records } = parseFile(file, false);
  return { header, records };
}

function firstDifference(a: unknown, b: unknown, path = 'settings'): string | undefined {
  if (canonicalJson(a) === canonicalJson(b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of [...keys].sort()) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
  }
  return `${path} (file: ${JSON.stringify(a)}, now: ${JSON.stringify(b)})`;
}

/**
 * Appends records to a preference-data file, creating it (header first) or resuming it.
 * Resuming checks that the settings equal the file's header and cuts a torn last line.
 */
export class PreferenceDataWriter {
  readonly existing: PreferenceRecord[];
  private fd: number;

  private constructor(readonly file: string, existing: PreferenceRecord[], fd: number) {
    this.existing = existing;
    this.fd = fd;
  }

  /** Opens `file` for appending; `overwrite` starts it afresh. */
  static open(file: string, settings: PreferenceDataSettings, options: { overwrite?: boolean } = {}): PreferenceDataWriter {
    let existing: PreferenceRecord[] = [];
    if (existsSync(file) && !options.overwrite) {
      if (statSync(file).isDirectory()) throw new AligndialError(`${file}: --out must be a file, found a directory`);
      const parsed = parseFile(file, true);
      const diff = firstDifference(parsed.header.settings, settings);
      if (diff) {
        throw new AligndialError(`${file} was generated with different settings, so it cannot be resumed: ${diff}`, {
          hint: 'Use the same options as the first run, another --out file, or --overwrite to start again.',
        });
      }
      if (parsed.tornTail) truncateSync(file, parsed.validBytes);
      else if (parsed.validBytes > 0 && !readFileSync(file, 'utf8').endsWith('\n')) {
        // A complete last line without its newline: add the newline before appending.
        const fd = openSync(file, 'a');
        writeSync(fd, '\n');
        closeSync(fd);
      }
      existing = parsed.records;
    } else {
      const header: PreferenceDataHeader = { kind: PREFERENCE_DATA_KIND, version: 1, createdAt: new Date().toISOString(), settings };
      writeFileAtomic(file, `${JSON.stringify(header)}\n`);
    }
    return new PreferenceDataWriter(file, existing, openSync(file, 'a'));
  }

  /** Appends records and flushes them to disk, so an interruption loses at most the batch in flight. */
  append(records: readonly PreferenceRecord[]): void {
    if (records.length === 0) return;
    writeSync(this.fd, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
