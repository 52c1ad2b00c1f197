/** A mean with its standard error (s.d. / √n, sample s.d.). */
export interface MeanSe {
  mean: number;
  se: number;
  n: number;
}

/** Mean ± standard error of the finite values (NaN entries are skipped). */
export function meanSe(values: readonly number[]): MeanSe {
  const xs = values.filter(Number.isFinite);
  const n = xs.length;
  if (n === 0) return { mean: Number.NaN, se: Number.NaN, n: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, se: Number.NaN, n };
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, se: Math.sqrt(variance / n), n };
}

/**
 * The paired difference of `a` over `b` by prompt: each prompt's mean of `a` minus its mean of `b`
 * (samples of one prompt share the prompt, so they are not independent; the prompt is the unit),
 * then mean ± s.e. over prompts. `groups[k]` is the prompt of sample k, the same for a and b.
 */
export function pairedDifference(a: readonly number[], b: readonly number[], groups: readonly number[]): MeanSe {
  if (a.length !== b.length || a.length !== groups.length) throw new Error('pairedDifference: a, b and groups must have one entry per sample');
  const sums = new Map<number, { a: number; b: number; n: number }>();
  groups.forEach((g, k) => {
    if (!Number.isFinite(a[k]) || !Number.isFinite(b[k])) return;
    const s = sums.get(g) ?? { a: 0, b: 0, n: 0 };
    s.a += a[k];
    s.b += b[k];
    s.n++;
    sums.set(g, s);
  });
  return meanSe([...sums.values()].map((s) => (s.a - s.b) / s.n));
}
