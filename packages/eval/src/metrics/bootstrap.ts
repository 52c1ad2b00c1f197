import { hashString, Rng } from '@aligndial/core';

/** A two-sided interval `[low, high]`. */
export type Interval = [number, number];

/** Options for {@link bootstrapMeanIntervals}. */
export interface BootstrapOptions {
  /** Resamples drawn (default 2000). */
  resamples?: number;
  /** PRNG seed (default 0): the same seed gives the same interval. */
  seed?: number | string;
  /** Coverage (default 0.95). */
  level?: number;
}

/** Quantile of sorted values with linear interpolation between order statistics (R type 7). */
export function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Percentile-bootstrap intervals for the means of several per-item columns. Each resample draws
 * n items with replacement once and takes every column's mean over the same draw, so the
 * intervals of related statistics (W %, L %, Δ) come from the same resamples.
 */
export function bootstrapMeanIntervals(columns: readonly (readonly number[])[], options: BootstrapOptions = {}): Interval[] {
  const n = columns[0]?.length ?? 0;
  const resamples = options.resamples ?? 2000;
  const alpha = (1 - (options.level ?? 0.95)) / 2;
  const seed = options.seed ?? 0;
  const rng = new Rng(typeof seed === 'string' ? hashString(seed) : seed);
  const draws = columns.map(() => new Array<number>(resamples));
  for (let r = 0; r < resamples; r++) {
    const sums = new Array<number>(columns.length).fill(0);
    for (let i = 0; i < n; i++) {
      const j = rng.int(n);
      for (let c = 0; c < columns.length; c++) sums[c] += columns[c][j];
    }
    for (let c = 0; c < columns.length; c++) draws[c][r] = sums[c] / n;
  }
  return draws.map((d) => {
    d.sort((x, y) => x - y);
    return [quantile(d, alpha), quantile(d, 1 - alpha)];
  });
}
