import { hashString } from '@aligndial/core';
import type { PositionVerdict } from '../judge/parse-verdict.js';

/** Which answer was shown first: `AB` = ours (A) in position 1, `BA` = baseline first. */
export type Order = 'AB' | 'BA';

/** A verdict between the compared files: `A` = ours wins, `B` = baseline wins. */
export type Verdict = 'A' | 'B' | 'tie' | 'error';

/**
 * The presentation order for one pair, drawn from the seed and the pair id, so it is random
 * across pairs but the same on every run (a resumed run hits the cache).
 */
export function pickOrder(seed: number | string, id: string): Order {
  return hashString(`${seed}\u0000${id}`) & 1 ? 'BA' : 'AB';
}

/** Translates a position verdict back to the files it came from. */
export function toVerdict(order: Order, verdict: PositionVerdict | 'error'): Verdict {
  if (verdict === 'tie' || verdict === 'error') return verdict;
  return (verdict === 'first') === (order === 'AB') ? 'A' : 'B';
}

/**
 * Combines the verdicts of both orders (FastChat's swap rule): agreement stands, any
 * disagreement (including win vs tie) is a tie, and an error in either is an error.
 */
export function combineSwapped(v1: Verdict, v2: Verdict): { verdict: Verdict; inconsistent: boolean } {
  if (v1 === 'error' || v2 === 'error') return { verdict: 'error', inconsistent: false };
  return v1 === v2 ? { verdict: v1, inconsistent: false } : { verdict: 'tie', inconsistent: true };
}
