import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { AligndialError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { assertRegularFile } from './regular-file.js';
import { removeStaleTemps } from './stale-temps.js';

/** One file of a set written by {@link writeFilesAtomic}. */
export interface FileToWrite {
  name: string;
  data: string | Uint8Array | readonly Uint8Array[];
}

/**
 * Writes a set of files that belong together (weights + manifest) into `dir`.
 * - `dir` absent: the files go into a temporary sibling directory that is renamed into place, so the
 *   directory appears complete or not at all.
 * - `dir` present (it may hold other files, e.g. a training run's checkpoints and metrics): each file is
 *   replaced atomically, in the order given. Put the manifest last and record the others' sha256 in it:
 *   an interruption between two renames then leaves a pair the loader rejects, never one it misreads.
 * Temporary files of earlier killed writes in `dir` and beside it are removed first.
 */
export function writeFilesAtomic(dir: string, files: readonly FileToWrite[]): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  removeStaleTemps(parent);
  if (existsSync(dir)) {
    removeStaleTemps(dir);
    for (const file of files) writeFileAtomic(join(dir, file.name), file.data);
    return;
  }
  const tmp = join(parent, `.${basename(dir)}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(tmp);
  try {
    for (const file of files) writeFileAtomic(join(tmp, file.name), file.data);
    fsyncPath(tmp);
    renameSync(tmp, dir);
    fsyncPath(parent);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}

function fsyncPath(path: string): void {
  try {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Directory fsync is unsupported on some platforms (Windows); the rename is still atomic.
  }
}

/** sha256 (hex) of in-memory chunks, e.g. an encoded safetensors file. */
export function sha256Chunks(chunks: string | Uint8Array | readonly Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const chunk of typeof chunks === 'string' || chunks instanceof Uint8Array ? [chunks] : chunks) hash.update(chunk);
  return hash.digest('hex');
}

/** sha256 (hex) of a file, read in 8 MiB chunks (bounded memory for any size). */
export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buffer = new Uint8Array(8 << 20);
    for (let position = 0; ; ) {
      const n = readSync(fd, buffer, 0, buffer.length, position);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
      position += n;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * Checks that `file` has the sha256 its manifest recorded when both were saved by {@link writeFilesAtomic}.
 * A mismatch means the directory mixes the parts of two saves (a write killed between them) or the file
 * was edited: refused, never loaded.
 * @param manifest - The manifest's file name, for the message.
 * @param hint - How to get a consistent pair again.
 */
export function assertFileMatchesManifest(file: string, expectedSha256: string, manifest: string, hint?: string): void {
  assertRegularFile(file, 'file');
  const actual = sha256File(file);
  if (actual === expectedSha256) return;
  throw new AligndialError(
    `${file}: does not match ${manifest} (sha256 ${actual.slice(0, 12)}…, manifest records ${expectedSha256.slice(0, 12)}…): the directory holds parts of two different saves (an interrupted write?) or the file was modified`,
    { hint },
  );
}
