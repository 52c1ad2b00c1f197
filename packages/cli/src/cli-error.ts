import { AligndialError } from '@aligndial/core';

/** A usage error in the command line itself (bad flag value, missing option). Exit code 2. */
export class UsageError extends AligndialError {
  override name = 'UsageError';
  /** The process exit code `reportError` returns for it (POSIX usage error). */
  readonly exitCode = 2;
}

/**
 * Prints an error the way a user needs it: one line for user mistakes (input files, flags,
 * values; every such error extends core's AligndialError) with a hint when there is one; a stack
 * trace only for bugs. Returns the exit code: the error's `exitCode` (2 for usage errors), else 1;
 * 70 for bugs.
 */
export function reportError(error: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (AligndialError.isInstance(error)) {
    stderr.write(`aligndial: error: ${error.message}\n`);
    if (error.hint) stderr.write(`hint: ${error.hint}\n`);
    const exitCode = (error as { exitCode?: unknown }).exitCode;
    return typeof exitCode === 'number' ? exitCode : 1;
  }
  stderr.write(`aligndial: internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 70;
}
