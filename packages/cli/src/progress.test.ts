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
