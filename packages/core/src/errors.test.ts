import { describe, expect, it } from 'vitest';
import { AligndialError, isAligndialError, locationPrefix } from './errors.js';

class BadFileError extends AligndialError {
  override name = 'BadFileError';
}

describe('AligndialError', () => {
  it('carries hint, location fields and cause', () => {
    const cause = new Error('inner');
    const e = new AligndialError('bad value', { hint: 'use 1', file: 'a.json', line: 3, field: 'lr', cause });
    expect([e.message, e.hint, e.file, e.line, e.field, e.cause]).toEqual(['bad value', 'use 1', 'a.json', 3, 'lr', cause]);
  });

  it('recognises subclasses with their own names', () => {
    const e = new BadFileError('x');
    expect(e.name).toBe('BadFileError');
    expect(AligndialError.isInstance(e)).toBe(true);
    expect(isAligndialError(e)).toBe(true);
  });

  it('recognises an error made by another copy of the package (shared Symbol.for marker)', () => {
    // What a second copy of this module would build: a different class, the same registry symbol.
    const marker: unique symbol = Symbol.for('aligndial.error') as never;
    class OtherCopyError extends Error {
      readonly [marker] = true;
    }
    const e = new OtherCopyError('from the other copy');
    expect(e instanceof AligndialError).toBe(false);
    expect(AligndialError.isInstance(e)).toBe(true);
  });

  it('rejects plain errors, including ones named like ours', () => {
    const impostor = new Error('x');
    impostor.name = 'AligndialError';
    for (const e of [impostor, new TypeError('x'), 'AligndialError', null, undefined, { name: 'AligndialError' }]) {
      expect(AligndialError.isInstance(e)).toBe(false);
    }
  });

  it('formats a location prefix', () => {
    expect(locationPrefix({})).toBe('');
    expect(locationPrefix({ file: 'f.jsonl' })).toBe('f.jsonl: ');
    expect(locationPrefix({ file: 'f.jsonl', line: 7 })).toBe('f.jsonl line 7: ');
  });
});
