/** Where a user's mistake is: the file, its 1-based line, and the field or flag inside it. */
export interface ErrorLocation {
  /** The file the mistake is in, when it is in a file. */
  readonly file?: string;
  /** 1-based line number in {@link ErrorLocation.file}, when known. */
  readonly line?: number;
  /** The field, flag, option or tensor name at fault, when there is one. */
  readonly field?: string;
}

/** Options every user-facing error takes. */
export interface AligndialErrorOptions extends ErrorLocation {
  /** How to fix it, printed on its own line by the CLI. */
  readonly hint?: string;
  readonly cause?: unknown;
}

// A registry-wide symbol (not a module-local one) so that two copies of @aligndial/core in one
// process (duplicate installs, CJS + ESM builds) still recognise each other's errors.
const MARKER = Symbol.for('aligndial.error');

/**
 * The root of every error a user can see: a mistake in the user's input (a bad file, field,
 * flag or value), as opposed to a bug. The CLI prints `message` alone, without a stack trace;
 * `hint` says how to fix it; `file`/`line`/`field` say where. Subclasses set their own `name`
 * and are still recognised by {@link AligndialError.isInstance}, across duplicate package copies.
 */
export class AligndialError extends Error {
  override name = 'AligndialError';
  readonly hint?: string;
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
  private readonly [MARKER] = true;

  constructor(message: string, options: AligndialErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
    this.file = options.file;
    this.line = options.line;
    this.field = options.field;
  }

  /** True for any AligndialError (or subclass), even one made by another copy of this package. */
  static isInstance(error: unknown): error is AligndialError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

/** Same as {@link AligndialError.isInstance}. */
export function isAligndialError(error: unknown): error is AligndialError {
  return AligndialError.isInstance(error);
}

/** `file line N: ` (or `file: `, or nothing): the prefix a message gets for a location. */
export function locationPrefix(where: ErrorLocation): string {
  if (where.file === undefined) return '';
  return where.line === undefined ? `${where.file}: ` : `${where.file} line ${where.line}: `;
}
