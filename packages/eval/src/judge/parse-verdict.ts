import type { ChatReply } from './chat.js';
import type { PairFormat } from './templates.js';

/** A verdict about the two answers in the order they were shown to the judge. */
export type PositionVerdict = 'first' | 'second' | 'tie';

/** A parsed pairwise reply. */
export interface ParsedPair {
  verdict: PositionVerdict;
  /** The two scores, for the `scores` format. */
  scores?: [number, number];
  /** Arena-Hard's label in presentation order (`A>>B`, `A>B`, `A=B`, `B>A`, `B>>A`). */
  label?: ArenaHardLabel;
  /** AlpacaEval: probability that position 1 is the better output, in [0, 1]. */
  preference?: number;
}

/** Arena-Hard's five verdict labels, A = position 1. */
export type ArenaHardLabel = 'A>>B' | 'A>B' | 'A=B' | 'B>A' | 'B>>A';

/** Every spelling arena-hard-auto's scorer accepts, mapped to the canonical label. */
const ARENA_HARD_LABELS: Readonly<Record<string, ArenaHardLabel>> = {
  'A>>B': 'A>>B',
  'A>B': 'A>B',
  'A=B': 'A=B',
  'B>A': 'B>A',
  'B>>A': 'B>>A',
  'B<<A': 'A>>B',
  'B<A': 'A>B',
  'B=A': 'A=B',
  'A<B': 'B>A',
  'A<<B': 'B>>A',
};

const SCORE = String.raw`(10(?:\.0+)?|\d(?:\.\d+)?)`;
const SCORE_LINE = new RegExp(String.raw`^${SCORE}(?:\s*,\s*|\s+)${SCORE}$`);

/**
 * Parses the AlignEZ format strictly: the first non-empty line must be exactly two scores in
 * [0, 10] separated by a space (a comma is tolerated). Anything else is unparsable.
 */
export function parseScoresVerdict(raw: string): ParsedPair | undefined {
  const firstLine = raw.split('\n').find((l) => l.trim() !== '');
  const m = firstLine?.trim().match(SCORE_LINE);
  if (!m) return undefined;
  const scores: [number, number] = [Number(m[1]), Number(m[2])];
  const verdict = scores[0] > scores[1] ? 'first' : scores[0] < scores[1] ? 'second' : 'tie';
  return { verdict, scores };
}

/**
 * Parses FastChat's `[[A]]` / `[[B]]` / `[[C]]` verdict. Strict: exactly one distinct verdict
 * token must appear (a reply naming two different verdicts is unparsable).
 */
export function parseAbVerdict(raw: string): ParsedPair | undefined {
  const found = new Set([...raw.matchAll(/\[\[([ABC])\]\]/g)].map((m) => m[1]));
  if (found.size !== 1) return undefined;
  const [token] = found;
  return { verdict: token === 'A' ? 'first' : token === 'B' ? 'second' : 'tie' };
}

/**
 * Parses Arena-Hard's verdict as arena-hard-auto does (`\[\[([AB<>=]+)\]\]`, exactly one distinct
 * match). A label outside the five (or their mirrored spellings) is unparsable.
 */
export function parseArenaHardVerdict(raw: string): ParsedPair | undefined {
  const found = new Set([...raw.matchAll(/\[\[([AB<>=]+)\]\]/g)].map((m) => m[1]));
  if (found.size !== 1) return undefined;
  const [text] = found;
  const label = ARENA_HARD_LABELS[text];
  if (label === undefined) return undefined;
  const verdict = label === 'A=B' ? 'tie' : label.startsWith('A') ? 'first' : 'second';
  return { verdict, label };
}

function logSumExp(values: readonly number[]): number {
  const max = Math.max(...values);
  if (max === -Infinity) return -Infinity;
  return max + Math.log(values.reduce((s, v) => s + Math.exp(v - max), 0));
}

/**
 * Parses AlpacaEval's annotator reply. With log-probabilities (`logprob_parser`, not binarised):
 * P(position 1) = exp(lp(m) − logsumexp(lp(m), lp(M))) over the first token's top log-probs, a
 * missing identifier counting as probability 0; unparsable when neither is among them. Without
 * them: the reply text `m` gives 1, `M` gives 0. The verdict is the side with preference > ½.
 */
export function parseAlpacaEvalReply(reply: ChatReply): ParsedPair | undefined {
  let preference: number | undefined;
  if (reply.topLogprobs !== undefined) {
    const lp = (token: string) => reply.topLogprobs!.find((t) => t.token === token)?.logprob ?? -Infinity;
    const [m, M] = [lp('m'), lp('M')];
    if (m !== -Infinity || M !== -Infinity) preference = Math.exp(m - logSumExp([m, M]));
  }
  if (preference === undefined) {
    const text = reply.content.trim();
    if (text === 'm') preference = 1;
    else if (text === 'M') preference = 0;
    else return undefined;
  }
  const verdict = preference > 0.5 ? 'first' : preference < 0.5 ? 'second' : 'tie';
  return { verdict, preference };
}

/** Parses a pairwise reply in the given format. */
export function parsePairVerdict(raw: string | ChatReply, format: PairFormat): ParsedPair | undefined {
  const reply = typeof raw === 'string' ? { content: raw } : raw;
  switch (format) {
    case 'scores':
      return parseScoresVerdict(reply.content);
    case 'ab':
      return parseAbVerdict(reply.content);
    case 'arena-hard':
      return parseArenaHardVerdict(reply.content);
    case 'alpaca-eval':
      return parseAlpacaEvalReply(reply);
  }
}

/**
 * Parses an MT-Bench `[[rating]]` (1–10, decimals allowed). Strict: exactly one distinct rating
 * must appear.
 */
export function parseRating(raw: string): number | undefined {
  const found = new Set([...raw.matchAll(/\[\[(\d+(?:\.\d+)?)\]\]/g)].map((m) => Number(m[1])));
  if (found.size !== 1) return undefined;
  const [rating] = found;
  return rating >= 1 && rating <= 10 ? rating : undefined;
}

/** What the judge is told when its first reply could not be parsed (one re-ask). */
export const REASK_MESSAGES: Readonly<Record<PairFormat | 'rating', string>> = {
  scores:
    'Your reply could not be parsed. Reply again: the first line must contain only the two scores ' +
    '(Assistant 1, then Assistant 2) separated by a space, for example "8 6", and the explanation follows on the next lines.',
  ab:
    'Your reply could not be parsed. Reply again and end with your final verdict in exactly this format: ' +
    '"[[A]]" if assistant A is better, "[[B]]" if assistant B is better, and "[[C]]" for a tie.',
  // arena-hard-auto's own follow-up when no label was found.
  'arena-hard': 'continue your judgment and finish by outputting a final verdict label',
  'alpaca-eval': 'Your reply could not be parsed. Reply with only the identifier of the best model: m or M.',
  rating:
    'Your reply could not be parsed. Reply again and rate the response on a scale of 1 to 10 in exactly this ' +
    'format: "Rating: [[5]]".',
};
