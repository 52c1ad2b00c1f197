import { expect } from 'vitest';
import { AligndialError } from '../errors.js';

/** Runs `fn` and asserts it throws an AligndialError whose message matches `pattern`; returns the error. */
export function expectAligndialError(fn: () => unknown, pattern: RegExp): AligndialError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(AligndialError);
  expect((caught as Error).message).toMatch(pattern);
  return caught as AligndialError;
}
