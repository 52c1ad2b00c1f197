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
 * Nothing sorts the whole vocabulary: top-k selects k candidates with a size-k heap, top-p pops
 * candidates from a heap of the vocabulary only until their mass reaches p, and plain sampling is
 * one pass. Candidates come out by logit, descending (ties: lower id first), as a stable sort would.
 */
export function sampleToken(logits: Float32Array, options: SamplingOptions, rng: Rng, seen: readonly number[] = []): number {
  if (options.repetitionPenalty !== undefined) applyRepetitionPenalty(logits, seen, options.repetitionPenalty);
  const temperature = options.temperature ?? 1;
  if (temperature === 0) return argmax(logits);
  const V = logits.length;
  const max = logits[argmax(logits)];
  const topP = options.topP !== undefined && options.topP < 1 ? options.topP : 1;
  if (options.topK && options.topK < V) {
    const order = topKIndices(logits, options.topK);
    const probs = new Float64Array(order.length);
    let total = 0;
    for (let i = 0; i < order.length; i++) total += probs[i] = Math.exp((logits[order[i]] - max) / temperature);
    let keep = order.length;
    if (topP < 1) {
      let cumulative = 0;
      for (let i = 0; i < order.length; i++) {
        cumulative += probs[i] / total;
        if (cumulative >= topP) {
          keep = i + 1;
          break;
        }
      }
    }
    return pick(order, probs, keep, rng);
  }
  // Unnormalised probabilities of the whole vocabulary: one pass.
  const probs = new Float64Array(V);
  let total = 0;
  for (let i = 0; i < V; i++) total += probs[i] = Math.exp((logits[i] - max) / temperature);
  if (topP === 1) {
    let u = rng.next() * total;
    for (let i = 0; i < V; i++) {
      u -= probs[i];
      if (u < 0) return i;
    }
    return argmax(logits);
  }
  // Top-p: pop the most likely tokens until their mass reaches p.
  const heap = new MaxHeap(logits);
  const kept: number[] = [];
  const keptProbs: number[] = [];
  let cumulative = 0;
  while (heap.size > 0) {
    const id = heap.pop();
    kept.push(id);
    keptProbs.push(probs[id]);
    cumulative += probs[id] / total;
    if (cumulative >= topP) break;
  }
  return pick(kept, keptProbs, kept.length, rng);
}

/** Samples among the first `keep` candidates in proportion to `probs`. */
function pick(order: ArrayLike<number>, probs: ArrayLike<number>, keep: number, rng: Rng): number {
  let keptTotal = 0;
  for (let i = 0; i < keep; i++) keptTotal += probs[i];
  let u = rng.next() * keptTotal;
  for (let i = 0; i < keep; i++) {
    u -= probs[i];
    if (u < 0) return order[i];
  }
  return order[keep - 1];
}

/** Whether token a ranks before token b: higher logit, then lower id. */
function before(logits: Float32Array, a: number, b: number): boolean {
  return logits[a] > logits[b] || (logits[a] === logits[b] && a < b);
}

/** The k highest-ranked token ids, best first, via a size-k min-heap: O(V log k). */
export function topKIndices(logits: Float32Array, k: number): Int32Array {
  const heap = new Int32Array(k); // root = the worst of the k best so far
  let size = 0;
  const worse = (a: number, b: number) => before(logits, b, a);
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < size && worse(heap[l], heap[m])) m = l;
      if (r < size && worse(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let id = 0; id < logits.length; id++) {
    if (size < k) {
      let i = size++;
      heap[i] = id;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(heap[i], heap[p])) break;
        [heap[i], heap[p]] = [heap[p], heap[i]];
        i = p;
      }
    } else if (before(logits, id, heap[0])) {
      heap[0] = id;
      siftDown(0);
    }
  }
  return heap.slice(0, size).sort((a, b) => (before(logits, a, b) ? -1 : 1));
}

/** A max-heap of token ids by rank, built in O(V); `pop` gives the next best. */
class MaxHeap {
  private readonly ids: Int32Array;
  size: number;
  constructor(private readonly logits: Float32Array) {
    this.size = logits.length;
    this.ids = new Int32Array(this.size);
    for (let i = 0; i < this.size; i++) this.ids[i] = i;
    for (let i = (this.size >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }
  pop(): number {
    const top = this.ids[0];
    this.ids[0] = this.ids[--this.size];
    this.siftDown(0);
    return top;
  }
  private siftDown(i: number): void {
    const { ids, logits } = this;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < this.size && before(logits, ids[l], ids[m])) m = l;
      if (r < this.size && before(logits, ids[r], ids[m])) m = r;
      if (m === i) return;
      const t = ids[i];
      ids[i] = ids[m];
      ids[m] = t;
      i = m;
    }
  }
}
