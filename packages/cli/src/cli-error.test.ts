import { PassThrough } from 'node:stream';
import { AligndialError } from '@aligndial/core';
import { EvalInputError, JudgeConfigError } from '@aligndial/eval';
import { describe, expect, it } from 'vitest';
import { reportError, UsageError } from './cli-error.js';

function report(error: unknown): { code: number; text: string } {
  const stream = new PassThrough();
  const code = reportError(error, stream);
  return { code, text: String(stream.read() ?? '') };
}

describe('reportError', () => {
  it('prints user errors of every package in one line with the hint, exit 1', () => {
    expect(report(new AligndialError('bad lr', { hint: 'use 1e-5' }))).toEqual({ code: 1, text: 'aligndial: error: bad lr\nhint: use 1e-5\n' });
    expect(report(new EvalInputError('missing field "output"', { file: 'a.jsonl', line: 7 }))).toEqual({
      code: 1,
      text: 'aligndial: error: a.jsonl line 7: missing field "output"\n',
    });
    expect(report(new JudgeConfigError('no key')).code).toBe(1);
  });

  it('exits 2 for usage errors', () => {
    expect(report(new UsageError('--lr must be a number'))).toEqual({ code: 2, text: 'aligndial: error: --lr must be a number\n' });
  });

  it('prints a stack trace and exits 70 for bugs, even one named like a user error', () => {
    const bug = new Error('boom');
    bug.name = 'EvalInputError';
    const { code, text } = report(bug);
    expect(code).toBe(70);
    expect(text).toMatch(/internal error \(please report it\).*boom/s);
  });
});
