import { AligndialError } from '@aligndial/core';

/**
 * A method the experiment compares:
 * - `clm` / `clm:N` — CLM: N (default 1) identity layers before layer 0, trained alone with DPO; dialled by λ;
 * - `all`, `bottom:K`, `top:K` — DPO of every parameter, or of the first / last K decoder layers (dial fixed at 1);
 * - `alignez` — AlignEZ directions fitted on the training pairs (chosen = helpful, rejected = harmful,
 *   k-NN per prompt), dialled by the edit strength α.
 */
export type MethodSpec =
  | { kind: 'clm'; name: string; layers: number }
  | { kind: 'dpo'; name: string; trainable: 'all' | `bottom:${number}` | `top:${number}` }
  | { kind: 'alignez'; name: string };

/** Parses one method name (see {@link MethodSpec}); errors list the accepted forms. */
export function parseMethod(text: string): MethodSpec {
  const t = text.trim();
  if (t === 'clm') return { kind: 'clm', name: 'clm', layers: 1 };
  const clm = /^clm:(\d+)$/.exec(t);
  if (clm) {
    const layers = Number(clm[1]);
    if (layers < 1) throw new AligndialError(`method "${text}": the number of added layers must be ≥ 1`);
    return { kind: 'clm', name: t, layers };
  }
  if (t === 'all') return { kind: 'dpo', name: 'all', trainable: 'all' };
  const subset = /^(bottom|top):(\d+)$/.exec(t);
  if (subset) {
    if (Number(subset[2]) < 1) throw new AligndialError(`method "${text}": K must be ≥ 1`);
    return { kind: 'dpo', name: t, trainable: t as `bottom:${number}` };
  }
  if (t === 'alignez') return { kind: 'alignez', name: 'alignez' };
  throw new AligndialError(`unknown method "${text}"`, { hint: 'Methods: clm, clm:N (N added layers), all (full DPO), bottom:K, top:K, alignez.' });
}

/** Parses a comma- or space-separated method list; duplicates are an error. */
export function parseMethods(texts: readonly string[]): MethodSpec[] {
  const specs = texts.flatMap((t) => t.split(',')).filter((t) => t.trim()).map(parseMethod);
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.name)) throw new AligndialError(`method "${s.name}" is listed twice`);
    seen.add(s.name);
  }
  if (specs.length === 0) throw new AligndialError('no methods to compare', { hint: 'e.g. --methods clm,all,bottom:1,top:1' });
  return specs;
}

/** Whether a method has a dial swept over the λ list (CLM's λ, AlignEZ's α); DPO models have none. */
export function hasDial(spec: MethodSpec): boolean {
  return spec.kind !== 'dpo';
}
