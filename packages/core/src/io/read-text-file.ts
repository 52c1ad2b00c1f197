import { readFileSync } from 'node:fs';
import { decodeUtf8Strict } from '../util/utf8.js';
import { assertRegularFile } from './regular-file.js';

/**
 * Reads a user's text file: it must be a regular file (a FIFO would block forever, a directory fail
 * with EISDIR) and valid UTF-8 (an invalid byte is an error naming file:line:column, never U+FFFD).
 * @param what - What the file is for, e.g. "queries file" (used in messages).
 * @throws AligndialError naming the file.
 */
export function readTextFile(path: string, what: string): string {
  assertRegularFile(path, what);
  return decodeUtf8Strict(readFileSync(path), path);
}
