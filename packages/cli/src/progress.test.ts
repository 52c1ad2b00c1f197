import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProgress, formatSeconds } from './progress.js';

/** A fake terminal that records what the bar draws. */
function terminal() {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
    { isTTY: true, columns: 120, cursorTo() { return true; }, clearLine() { return true; }, moveCursor() { return true; } },
  );
  return { stream, text: () => chunks.join('') };
}

describe('createProgress', () => {
  const saved = process.env.ALIGNDIAL_PROGRESS;
  beforeEach(() => {
    delete process.env.ALIGNDIAL_PROGRESS;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.ALIGNDIAL_PROGRESS;
    else process.env.ALIGNDIAL_PROGRESS = saved;
  });

  it('draws nothing when the work fails before its first update', () => {
    const t = terminal();
    const bar = createProgress('compare', 10, {}, { stream: t.stream });
    bar.stop();
    expect(t.text()).toBe('');
  });

  it('draws from the first update and never shows cli-progress\'s "NFs" while there is no estimate', () => {
    const t = terminal();
    const bar = createProgress('grade', 10, { errors: 0 }, { stream: t.stream });
    bar.update(0, { errors: 0 });
    bar.update(3, { errors: 1 });
    bar.stop();
    const text = t.text();
    expect(text).toContain('grade [');
    expect(text).toMatch(/3\/10/);
    expect(text).toContain('errors 1');
    expect(text).not.toContain('NF');
    expect(text).toMatch(/eta (\?|\d+s)/);
  });
});

describe('formatSeconds', () => {
  it('formats seconds, minutes and hours, and "?" for no estimate', () => {
    expect([formatSeconds(7), formatSeconds(185), formatSeconds(3720), formatSeconds('INF'), formatSeconds('NULL'), formatSeconds(Number.NaN)]).toEqual([
      '7s', '3m 05s', '1h 02m', '?', '?', '?',
    ]);
  });
});

describe('createProgress where stderr is not a terminal', () => {
  function pipe() {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
  }

  it('writes a plain line from update itself at most every interval, and one at the end (no timer needed)', () => {
    const p = pipe();
    let clock = 0;
    const bar = createProgress('reference log-probs', 300, {}, { stream: p.stream, now: () => clock, everyMs: 10_000 });
    bar.update(2);
    clock = 4_000;
    bar.update(5); // within 10 s of the last line: nothing
    clock = 12_000;
    bar.update(30);
    clock = 13_000;
    bar.update(300);
    bar.stop();
    expect(p.lines()).toEqual([
      'reference log-probs 2/300 | 0s elapsed | eta ?',
      'reference log-probs 30/300 | 12s elapsed | eta 1m 48s',
      'reference log-probs 300/300 | 13s elapsed | eta 0s',
    ]);
    expect(p.lines().join('')).not.toMatch(/\x1b|\r/);
  });

  it('carries the fields and writes nothing when the work fails before its first update', () => {
    const p = pipe();
    const bar = createProgress('grade', 4, { errors: 0 }, { stream: p.stream, now: () => 0 });
    bar.stop();
    expect(p.lines()).toEqual([]);
    bar.update(1, { errors: 2 });
    expect(p.lines()).toEqual(['grade 1/4 | 0s elapsed | eta ? | errors 2']);
  });
});
