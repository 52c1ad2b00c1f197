import { AligndialError } from '../errors.js';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Decodes UTF-8 strictly: invalid bytes are an error naming the line and column where they start,
 * instead of turning silently into U+FFFD (which would train or answer on corrupted text).
 * A leading BOM is dropped, as editors write one.
 * @param where - Names the file or field in the message, e.g. `data.jsonl` or `request body`.
 * @param firstLine - Line of the file where `bytes` start (one JSONL row), so the reported line is the file's.
 * @throws AligndialError `where:line:column: invalid UTF-8 …`.
 */
export function decodeUtf8Strict(bytes: Uint8Array, where: string, firstLine = 1): string {
  try {
    return strict.decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    let line = firstLine;
    let lineStart = 0;
    for (let i = 0; i < offset; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    const column = new TextDecoder().decode(bytes.subarray(lineStart, offset)).length + 1;
    throw new AligndialError(`${where}:${line}:${column}: invalid UTF-8 (byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')} at byte offset ${offset})`, {
      hint: 'Save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`).',
    });
  }
}

/** Byte offset of the first invalid UTF-8 sequence (bytes.length when none). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [n, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [n, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return bytes.length;
}
