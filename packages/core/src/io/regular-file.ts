import { statSync } from 'node:fs';
import { AligndialError } from '../errors.js';

/**
 * Checks that `path` is an existing regular file before anything opens it. A directory would fail
 * later with a raw EISDIR, and opening a FIFO (or a device) blocks forever waiting for a writer.
 * @param what - What the file is for, e.g. "safetensors file" (used in the message).
 * @throws AligndialError naming the path and what was found instead.
 */
export function assertRegularFile(path: string, what: string): void {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AligndialError(`${path}: ${what} not found`, { cause: error });
    const why = code === 'EACCES' ? 'permission denied' : code === 'ENOTDIR' ? 'a parent is not a directory' : (error as Error).message;
    throw new AligndialError(`${path}: cannot read ${what} (${why})`, { cause: error });
  }
  if (stats.isFile()) return;
  const kind = stats.isDirectory()
    ? 'a directory'
    : stats.isFIFO()
      ? 'a named pipe (FIFO)'
      : stats.isSocket()
        ? 'a socket'
        : stats.isCharacterDevice() || stats.isBlockDevice()
          ? 'a device'
          : 'not a regular file';
  throw new AligndialError(`${path}: expected a ${what}, found ${kind}`);
}
