/** What a results file's name says: which method at which λ on which benchmark. */
export interface TableFileName {
  method: string;
  /** λ, when the name has `@λ`. */
  lambda?: number;
  /** `alpaca-eval`, `arena-hard`, `mt-bench`, or another benchmark (its judgments give Net Win / RI). */
  bench: string;
  kind: 'judgments' | 'grades';
}

const NAME = /^([^@.\s]+)(?:@(-?\d+(?:\.\d+)?))?\.([A-Za-z0-9_:-]+)\.(judgments|grades)\.jsonl$/;

/**
 * Parses `METHOD[@λ].BENCH.judgments.jsonl` or `METHOD[@λ].BENCH.grades.jsonl`, e.g.
 * `clm@0.5.alpaca-eval.judgments.jsonl`, `dpo.arena-hard.judgments.jsonl`,
 * `alignez.just-eval.judgments.jsonl`, `clm@1.mt-bench.grades.jsonl`. Other names give undefined.
 */
export function parseTableFileName(name: string): TableFileName | undefined {
  const m = name.match(NAME);
  if (!m) return undefined;
  return { method: m[1], ...(m[2] !== undefined ? { lambda: Number(m[2]) } : {}), bench: m[3], kind: m[4] as 'judgments' | 'grades' };
}

/** The row key of a method at a λ: `clm@0.5`, or the bare method. */
export function rowKey(method: string, lambda?: number): string {
  return lambda === undefined ? method : `${method}@${lambda}`;
}
