import { Writable } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addBackendFlag, addDeprecatedFlag, printResult } from './flag-vocabulary.js';
import { intOption } from './option-parsers.js';

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _e, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

function command(stderr: NodeJS.WritableStream) {
  const c = new Command('x').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  c.option('--max-samples <n>', 'use at most N samples', intOption(1)).option('--allow-weights-mismatch', 'accept');
  addDeprecatedFlag(c, { old: '--limit', replacement: '--max-samples' }, () => stderr);
  addDeprecatedFlag(c, { old: '--allow-model-mismatch', replacement: '--allow-weights-mismatch' }, () => stderr);
  return c;
}

describe('addDeprecatedFlag', () => {
  it('keeps the old name working with the new parser, warns, and hides it from --help', () => {
    const err = sink();
    const c = command(err.stream).parse(['--limit', '3', '--allow-model-mismatch'], { from: 'user' });
    expect(c.opts()).toMatchObject({ maxSamples: 3, allowWeightsMismatch: true });
    expect(err.text()).toBe(
      'aligndial: warning: --limit is deprecated and will be removed in the next release; use --max-samples\n' +
        'aligndial: warning: --allow-model-mismatch is deprecated and will be removed in the next release; use --allow-weights-mismatch\n',
    );
    expect(c.helpInformation()).not.toContain('--limit');
    expect(() => command(sink().stream).parse(['--limit', '0'], { from: 'user' })).toThrow(/must be between 1/);
  });

  it('is silent when the new name is used', () => {
    const err = sink();
    expect(command(err.stream).parse(['--max-samples', '2'], { from: 'user' }).opts()).toMatchObject({ maxSamples: 2 });
    expect(err.text()).toBe('');
  });
});

describe('addBackendFlag and printResult', () => {
  it('rejects unknown backends while parsing, naming the choices', () => {
    const c = addBackendFlag(new Command('x').exitOverride().configureOutput({ writeErr: () => {} }));
    expect(() => c.parse(['--backend', 'gpu9000'], { from: 'user' })).toThrow(/Allowed choices are auto, node-gpu, node, wasm, cpu/);
  });

  it('prints one JSON line with --json and the human text otherwise', () => {
    const a = sink();
    printResult(true, { a: 1 }, () => 'human', a.stream);
    printResult(false, { a: 1 }, () => 'human', a.stream);
    expect(a.text()).toBe('{"a":1}\nhuman\n');
  });
});
