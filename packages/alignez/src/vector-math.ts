/** Small dense-vector helpers on Float32Array (accumulating in float64). */

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** Cosine similarity; 0 when either vector is zero. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const d = norm(a) * norm(b);
  return d === 0 ? 0 : dot(a, b) / d;
}

/** A unit-length copy (a zero vector stays zero). */
export function normalize(a: ArrayLike<number>): Float32Array {
  const n = norm(a);
  const out = new Float32Array(a.length);
  if (n === 0) return out;
  for (let i = 0; i < a.length; i++) out[i] = a[i] / n;
  return out;
}


/** Element-wise mean of equal-length vectors (the AlignEZ diagnostics' mean and contrastive directions). */
export function meanVector(rows: readonly ArrayLike<number>[]): Float32Array {
  const D = rows[0]?.length ?? 0;
  const acc = new Float64Array(D);
  for (const r of rows) for (let i = 0; i < D; i++) acc[i] += r[i];
  return Float32Array.from(acc, (v) => v / Math.max(rows.length, 1));
}
