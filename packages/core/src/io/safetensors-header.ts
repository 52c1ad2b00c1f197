import { AligndialError } from '../errors.js';
import { describeValue } from '../util/describe-value.js';

/** Element types aligndial reads and writes in safetensors files (names as in the file format). */
export type SafetensorsDtype =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U64'
  | 'U32'
  | 'U16'
  | 'U8'
  | 'BOOL';

/** Bytes per element of each supported dtype. */
export const DTYPE_BYTE_SIZE: Readonly<Record<SafetensorsDtype, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

// Valid in the format but not readable here; named so the error can say "unsupported" rather than "unknown".
const UNSUPPORTED_DTYPES = new Set(['F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F6_E2M3', 'F6_E3M2', 'F4', 'C64']);

/** Largest header accepted, as in the reference (Rust) implementation: guards against reading garbage as a length. */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor's entry in a safetensors header; offsets are relative to the start of the data section. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** First byte, relative to the data section. */
  readonly begin: number;
  /** One past the last byte, relative to the data section. */
  readonly end: number;
}

/** A parsed and validated safetensors header. */
export interface SafetensorsHeader {
  /** The `__metadata__` map, or `{}` when the file has none. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Tensors in data-section order (then by name, for zero-length ones). */
  readonly entries: readonly SafetensorsEntry[];
}

/** Returns true when `dtype` is one this package can read and write. */
export function isSafetensorsDtype(dtype: unknown): dtype is SafetensorsDtype {
  return typeof dtype === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTE_SIZE, dtype);
}

/**
 * Reads the header length from the first 8 bytes (a little-endian u64) and checks it fits the file.
 * @param prefix - The first bytes of the file (at least 8 unless the file is shorter).
 * @param fileSize - Size of the whole file in bytes.
 * @param file - Path used in error messages.
 * @returns The header length N; the data section starts at byte 8 + N.
 * @throws AligndialError when the file is too short or the length is implausible.
 */
export function readHeaderLength(prefix: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8 || prefix.byteLength < 8) {
    throw new AligndialError(
      `${file}: not a safetensors file: it is ${fileSize} bytes, shorter than the 8-byte header length (truncated?)`,
    );
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new AligndialError(
      `${file}: header length ${n} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file, or corrupt)`,
    );
  }
  const length = Number(n);
  if (8 + length > fileSize) {
    throw new AligndialError(
      `${file}: header length ${length} bytes runs past the end of the ${fileSize}-byte file (truncated, or not a safetensors file)`,
    );
  }
  return length;
}

/**
 * Parses and validates the JSON header: dtypes, shapes, byte lengths and layout. As the reference (Rust)
 * reader: the header is a JSON object starting with `{` (no BOM), and the tensors tile the data section
 * exactly: no gap, no overlap, no trailing bytes. A gap or trailing bytes are what a header length off by
 * one, or bytes inserted after the header, look like; accepting them would misread every weight.
 * @param json - The N header bytes (UTF-8 JSON, possibly space-padded).
 * @param dataLength - Bytes in the data section (file size − 8 − N).
 * @param file - Path used in error messages.
 * @throws AligndialError naming the file and the offending tensor or field.
 */
export function parseSafetensorsHeader(json: Uint8Array, dataLength: number, file: string): SafetensorsHeader {
  if (json[0] === 0xef && json[1] === 0xbb && json[2] === 0xbf) {
    throw new AligndialError(`${file}: safetensors header starts with a byte-order mark (not a safetensors file, or corrupt)`);
  }
  if (json[0] !== 0x7b) {
    throw new AligndialError(`${file}: safetensors header must start with "{" (not a safetensors file, or the header length is wrong)`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(json);
  } catch {
    throw new AligndialError(`${file}: safetensors header is not valid UTF-8 (corrupt file?)`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new AligndialError(`${file}: safetensors header is not valid JSON (${(error as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AligndialError(`${file}: safetensors header must be a JSON object`);
  }

  const record = raw as Record<string, unknown>;
  const metadata = parseMetadata(record.__metadata__, file);
  const entries: SafetensorsEntry[] = [];
  for (const [name, value] of Object.entries(record)) {
    if (name === '__metadata__') continue;
    entries.push(parseEntry(name, value, dataLength, file));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  checkContiguous(entries, dataLength, file);
  return { metadata, entries };
}

function parseMetadata(value: unknown, file: string): Record<string, string> {
  // The Rust implementation treats a null __metadata__ as absent.
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new AligndialError(`${file}: "__metadata__" must be an object of string values`);
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') {
      throw new AligndialError(`${file}: "__metadata__"."${key}" must be a string, got ${describeValue(v)}`);
    }
    out[key] = v;
  }
  return out;
}

function parseEntry(name: string, value: unknown, dataLength: number, file: string): SafetensorsEntry {
  const where = `${file}: tensor "${name}"`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AligndialError(`${where}: header entry must be an object with dtype, shape and data_offsets`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;

  if (!isSafetensorsDtype(dtype)) {
    if (typeof dtype === 'string' && UNSUPPORTED_DTYPES.has(dtype)) {
      throw new AligndialError(
        `${where}: unsupported dtype "${dtype}" (aligndial reads ${Object.keys(DTYPE_BYTE_SIZE).join(', ')})`,
      );
    }
    throw new AligndialError(`${where}: unknown dtype ${describeValue(dtype)}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new AligndialError(`${where}: shape must be an array of non-negative integers, got ${describeValue(shape)}`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    throw new AligndialError(
      `${where}: data_offsets must be [begin, end] with 0 <= begin <= end, got ${describeValue(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataLength) {
    throw new AligndialError(
      `${where}: data_offsets [${begin}, ${end}] lie outside the ${dataLength}-byte data section (truncated file?)`,
    );
  }
  const elements = shape.reduce((a: number, d: number) => a * d, 1);
  const expected = elements * DTYPE_BYTE_SIZE[dtype];
  if (end - begin !== expected) {
    throw new AligndialError(
      `${where}: data_offsets [${begin}, ${end}] span ${end - begin} bytes but shape ${describeValue(shape)} of ${dtype} needs ${expected} bytes`,
    );
  }
  return { name, dtype, shape: shape.slice(), begin, end };
}

function checkContiguous(sorted: readonly SafetensorsEntry[], dataLength: number, file: string): void {
  let cursor = 0;
  let previous: SafetensorsEntry | undefined;
  for (const entry of sorted) {
    if (entry.begin < cursor && previous) {
      throw new AligndialError(
        `${file}: tensors "${previous.name}" [${previous.begin}, ${previous.end}) and "${entry.name}" [${entry.begin}, ${entry.end}) overlap in the data section`,
      );
    }
    if (entry.begin > cursor) {
      throw new AligndialError(
        `${file}: tensor "${entry.name}" starts at data byte ${entry.begin} but the previous tensor ends at ${cursor}: the data section has a ${entry.begin - cursor}-byte gap (corrupt file or wrong header length)`,
      );
    }
    cursor = entry.end;
    if (entry.end > entry.begin) previous = entry;
  }
  if (cursor !== dataLength) {
    throw new AligndialError(
      `${file}: ${dataLength - cursor} bytes after the last tensor (the data section is ${dataLength} bytes, the tensors cover ${cursor}): corrupt file or wrong header length`,
    );
  }
}
