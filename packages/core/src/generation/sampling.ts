import { AligndialError } from '../errors.js';
import type { Rng } from '../util/rng.js';

/** How the next token is chosen from logits (Hugging Face `generate` semantics). */
export interface SamplingOptions {
  /** 0 = greedy (argmax). Default 1 when sampling options are given. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 or undefined = all). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p (1 = all). */
  topP?: number;
  /** > 1 discourages tokens already in the sequence (CTRL-style, as transformers). */
  repetitionPenalty?: number;
}

/**
 * Range of the repetition penalty. Dividing logits by a tiny penalty (1e-300) overflows them to ∞; values far
 * outside [0.01, 100] have no use (transformers' typical range is 1.0–1.5).
 */
export const REPETITION_PENALTY_RANGE = { min: 0.01, max: 100 } as const;

/** Validates sampling options; messages name the option and the allowed range. */
export function validateSamplingOptions(o: SamplingOptions): void {
  const check = (name: string, v: number | undefined, ok: (v: number) => boolean, range: string) => {
    if (v !== undefined && (!Number.isFinite(v) || !ok(v))) throw new AligndialError(`${name} must be ${range}, got ${v}`);
  };
  check('temperature', o.temperature, (v) => v >= 0, '≥ 0 (0 = greedy)');
  check('topK', o.topK, (v) => Number.isInteger(v) && v >= 0, 'a whole number ≥ 0');
  check('topP', o.topP, (v) => v > 0 && v <= 1, 'in (0, 1]');
  const { min, max } = REPETITION_PENALTY_RANGE;
  check('repetitionPenalty', o.repetitionPenalty, (v) => v >= min && v <= max, `between ${min} and ${max} (1 = off)`);
}

/** Applies the repetition penalty in place to the logits of tokens in `seen`. */
export function applyRepetitionPenalty(logits: Float32Array, seen: Iterable<number>, penalty: number): void {
  if (penalty === 1) return;
  for (const id of new Set(seen)) {
    const v = logits[id];
    logits[id] = v < 0 ? v * penalty : v / penalty;
  }
}

/** Index of the largest value (first on ties, like argmax). */
export function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * Picks the next token from one row of logits (modified in place by the repetition penalty).
 * Order as transformers: repetition penalty → temperature → top-k → top-p → sample.
 */
export function sampleToken(logits: Float32Array, options: SamplingOptions, rng: Rng, seen: readonly number[] = []): number {
  if (options.repetitionPenalty !== undefined) applyRepetitionPenalty(logits, seen, options.repetitionPenalty);
  const temperature = options.temperature ?? 1;
  if (temperature === 0) return argmax(logits);
  // Candidates sorted by logit, descending; top-k cuts the list before the softmax.
  let order = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a]);
  if (options.topK && options.topK < order.length) order = order.slice(0, options.topK);
  const max = logits[order[0]];
  const probs = order.map((id) => Math.exp((logits[id] - max) / temperature));
  const total = probs.reduce((a, b) => a + b, 0);
  let keep = order.length;
  if (options.topP !== undefined && options.topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < order.length; i++) {
      cumulative += probs[i] / total;
      if (cumulative >= options.topP) {
        keep = i + 1;
        break;
      }
    }
  }
  const kept = probs.slice(0, keep);
  const keptTotal = kept.reduce((a, b) => a + b, 0);
  let u = rng.next() * keptTotal;
  for (let i = 0; i < keep; i++) {
    u -= kept[i];
    if (u < 0) return order[i];
  }
  return order[keep - 1];
}
