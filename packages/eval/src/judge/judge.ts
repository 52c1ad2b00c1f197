import type { RequestBudget } from './budget.js';
import type { ArenaHardLabel, PositionVerdict } from './parse-verdict.js';
import type { GradeTemplate, PairTemplate } from './templates.js';

/** Per-run state a judge call needs: the shared request budget and a cancellation signal. */
export interface JudgeContext {
  budget?: RequestBudget;
  signal?: AbortSignal;
}

/** A pairwise question: answers are given in presentation order (position 1 = `first`). */
export interface PairInput {
  template: PairTemplate;
  /** The prompt, one entry per turn. */
  question: readonly string[];
  first: readonly string[];
  second: readonly string[];
  /** Reference answers per turn, for reference-guided templates. */
  reference?: readonly string[];
}

/** A single-answer grading question. */
export interface GradeInput {
  template: GradeTemplate;
  question: readonly string[];
  answer: readonly string[];
  reference?: readonly string[];
}

/** What every judge call reports besides its verdict. */
export interface JudgeOutcome {
  /** The judge's final reply (for rule judges, a short description). */
  raw: string;
  /** The first, unparsable reply when the judge was re-asked. */
  firstRaw?: string;
  /** Why the call ended in the error bucket. */
  error?: string;
  /** True for failures worth retrying in a later run (transport errors); these are never cached. */
  transient?: boolean;
  /** Requests sent for this call (0 for rule judges and cache hits). */
  requests: number;
  /** Served from the judgment cache. */
  cached?: boolean;
}

/** Result of a pairwise judgment, in presentation order; `error` is the error bucket. */
export interface PairResult extends JudgeOutcome {
  verdict: PositionVerdict | 'error';
  scores?: [number, number];
  /** Arena-Hard template: the label, in presentation order. */
  label?: ArenaHardLabel;
  /** AlpacaEval template: probability that position 1 is better. */
  preference?: number;
}

/** Result of grading one answer; `score` is null in the error bucket. */
export interface GradeResult extends JudgeOutcome {
  score: number | null;
}

/**
 * A judge backend. All judges compare two answers; LLM judges can also grade one answer.
 * Implementations never throw for a failed or unparsable judgment (that is an error result);
 * they throw only for configuration errors and an exhausted budget.
 */
export interface Judge {
  /** Identifies the judge in cache keys and records, e.g. `openai:gpt-4o-mini@https://host/v1`. */
  readonly id: string;
  /** Whether results are worth caching on disk (false for free, local rule judges). */
  readonly cacheable: boolean;
  pair(input: PairInput, context?: JudgeContext): Promise<PairResult>;
  grade?(input: GradeInput, context?: JudgeContext): Promise<GradeResult>;
}
