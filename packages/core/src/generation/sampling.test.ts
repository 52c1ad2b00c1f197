import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { sampleToken, topKIndices } from './sampling.js';

/** The candidates a full stable sort would give (the previous implementation), for comparison. */
function sortedOrder(logits: Float32Array): number[] {
  return Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a]);
}

function randomLogits(n: number, seed: number, ties = false): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => (ties ? Math.round(rng.normal() * 2) : rng.normal() * 3));
}

describe('sampling by partial selection', () => {
  it('top-k selection equals the first k of a full sort, ties broken by lower id', () => {
    for (const [n, k, ties] of [[1000, 50, false], [1000, 50, true], [7, 7, true], [300, 1, false]] as const) {
      const logits = randomLogits(n, n + k, ties);
      expect(Array.from(topKIndices(logits, k))).toEqual(sortedOrder(logits).slice(0, k));
    }
  });

  it('top-k and top-p keep exactly the candidates the full-sort rule keeps', () => {
    const logits = randomLogits(2000, 9);
    const order = sortedOrder(logits);
    const max = logits[order[0]];
    const probs = order.map((id) => Math.exp(logits[id] - max));
    const total = probs.reduce((a, b) => a + b, 0);
    let nucleus = 0;
    for (let c = 0; nucleus < probs.length && c < 0.8; nucleus++) c += probs[nucleus] / total;
    const allowed = new Set(order.slice(0, nucleus));
    const seenTopP = new Set<number>();
    const seenTopK = new Set<number>();
    const rng = new Rng(1);
    for (let i = 0; i < 3000; i++) {
      seenTopP.add(sampleToken(logits.slice(), { temperature: 1, topP: 0.8 }, rng));
      seenTopK.add(sampleToken(logits.slice(), { temperature: 1, topK: 5 }, rng));
    }
    for (const id of seenTopP) expect(allowed.has(id)).toBe(true);
    expect(seenTopP.size).toBeGreaterThan(1);
    expect([...seenTopK].every((id) => order.slice(0, 5).includes(id))).toBe(true);
    expect(seenTopK.size).toBe(5);
  });

  it('plain sampling follows the softmax distribution', () => {
    const logits = new Float32Array([0, Math.log(3), -Infinity, Math.log(6)]);
    const counts = [0, 0, 0, 0];
    const rng = new Rng(3);
    const n = 20000;
    for (let i = 0; i < n; i++) counts[sampleToken(logits.slice(), { temperature: 1 }, rng)]++;
    expect(counts[2]).toBe(0);
    expect(counts[0] / n).toBeCloseTo(0.1, 1);
    expect(counts[1] / n).toBeCloseTo(0.3, 1);
    expect(counts[3] / n).toBeCloseTo(0.6, 1);
  });

  it('samples from a 128k vocabulary without sorting it (printed: ms per token)', () => {
    const logits = randomLogits(128256, 4);
    const rng = new Rng(5);
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) sampleToken(logits.slice(), { temperature: 0.8, topK: 50, topP: 0.95 }, rng);
    for (let i = 0; i < 20; i++) sampleToken(logits.slice(), { temperature: 0.8, topP: 0.9 }, rng);
    console.log(`sampling at vocab 128256: ${((performance.now() - t0) / 40).toFixed(2)} ms per token (top-k 50 + top-p, and top-p alone)`);
  });
});
