import { describe, expect, it } from 'vitest';
import { parseAbVerdict, parseAlpacaEvalReply, parseArenaHardVerdict, parseRating, parseScoresVerdict } from './parse-verdict.js';

describe('parseScoresVerdict (AlignEZ A.4.2)', () => {
  it('reads two scores on the first line', () => {
    expect(parseScoresVerdict('8 3\nAssistant 1 is better.')).toEqual({ verdict: 'first', scores: [8, 3] });
    expect(parseScoresVerdict('\n  6.5, 9  \nbecause')).toEqual({ verdict: 'second', scores: [6.5, 9] });
    expect(parseScoresVerdict('10 10')).toEqual({ verdict: 'tie', scores: [10, 10] });
  });

  it('rejects anything else', () => {
    for (const bad of ['', 'Assistant 1: 8, Assistant 2: 3', '8\n3', '11 3', '8 3 1', 'Scores: 8 3', '**8 3**']) {
      expect(parseScoresVerdict(bad), bad).toBeUndefined();
    }
  });
});

describe('parseAbVerdict (FastChat)', () => {
  it('reads exactly one distinct verdict', () => {
    expect(parseAbVerdict('... so [[A]]')).toEqual({ verdict: 'first' });
    expect(parseAbVerdict('[[B]] and again [[B]]')).toEqual({ verdict: 'second' });
    expect(parseAbVerdict('[[C]]')).toEqual({ verdict: 'tie' });
    expect(parseAbVerdict('[[A]] or [[B]]')).toBeUndefined();
    expect(parseAbVerdict('A is better')).toBeUndefined();
  });
});

describe('parseRating', () => {
  it('reads one [[rating]] in 1–10', () => {
    expect(parseRating('Rating: [[7]]')).toBe(7);
    expect(parseRating('[[8.5]]')).toBe(8.5);
    expect(parseRating('Rating: [[11]]')).toBeUndefined();
    expect(parseRating('[[3]] then [[4]]')).toBeUndefined();
    expect(parseRating('Rating: 7')).toBeUndefined();
  });
});

describe('parseArenaHardVerdict (arena-hard-auto v0.1)', () => {
  it('reads the five labels and their mirrored spellings; needs exactly one distinct label', () => {
    expect(parseArenaHardVerdict('... My final verdict is: [[A>>B]]')).toEqual({ verdict: 'first', label: 'A>>B' });
    expect(parseArenaHardVerdict('[[B>A]]')).toEqual({ verdict: 'second', label: 'B>A' });
    expect(parseArenaHardVerdict('tie: [[A=B]] ... [[A=B]]')).toEqual({ verdict: 'tie', label: 'A=B' });
    expect(parseArenaHardVerdict('[[A<<B]]')).toEqual({ verdict: 'second', label: 'B>>A' });
    expect(parseArenaHardVerdict('[[A>B]] or maybe [[B>A]]')).toBeUndefined();
    expect(parseArenaHardVerdict('[[A]]')).toBeUndefined();
    expect(parseArenaHardVerdict('[[AB>]]')).toBeUndefined();
    expect(parseArenaHardVerdict('A is better')).toBeUndefined();
  });
});

describe('parseAlpacaEvalReply (weighted_alpaca_eval_gpt4_turbo)', () => {
  it('reads P(m) / (P(m) + P(M)) from the top logprobs, a missing identifier counting as 0', () => {
    const lp = Math.log;
    expect(parseAlpacaEvalReply({ content: 'M', topLogprobs: [{ token: 'M', logprob: lp(0.6) }, { token: 'm', logprob: lp(0.2) }] })?.preference).toBeCloseTo(0.25, 12);
    expect(parseAlpacaEvalReply({ content: 'm', topLogprobs: [{ token: 'm', logprob: lp(0.9) }, { token: 'x', logprob: lp(0.1) }] })).toEqual({ verdict: 'first', preference: 1 });
    expect(parseAlpacaEvalReply({ content: 'x', topLogprobs: [{ token: 'x', logprob: 0 }] })).toBeUndefined();
  });

  it('falls back to the identifier text when the endpoint returns no logprobs', () => {
    expect(parseAlpacaEvalReply({ content: 'm' })).toEqual({ verdict: 'first', preference: 1 });
    expect(parseAlpacaEvalReply({ content: ' M\n' })).toEqual({ verdict: 'second', preference: 0 });
    expect(parseAlpacaEvalReply({ content: 'Model m' })).toBeUndefined();
  });
});
