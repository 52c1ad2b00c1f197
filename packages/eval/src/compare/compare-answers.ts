import { EvalInputError } from '../errors.js';
import { readAnswers } from '../io/answers.js';
import { writeJsonlAtomic } from '../io/jsonl.js';
import { asTurns, textLength } from '../io/turns.js';
import { RequestBudget } from '../judge/budget.js';
import type { CreateJudgeOptions } from '../judge/create-judge.js';
import type { Judge, JudgeContext } from '../judge/judge.js';
import { resolvePairTemplate } from '../judge/judge-prompts-file.js';
import { ALIGNEZ_TEMPLATE, isMultiTurnTemplate, type PairTemplate } from '../judge/templates.js';
import { type JudgeInput, prepareJudge } from '../run/prepare-judge.js';
import { runTasks } from '../run/run-tasks.js';
import type { JudgmentCall, JudgmentRecord } from './judgment-record.js';
import { type AnswerPair, matchAnswers } from './match-answers.js';
import { combineSwapped, type Order, pickOrder, toVerdict } from './order.js';

/** Progress of {@link compareAnswers}, reported after each pair. */
export interface CompareProgress {
  done: number;
  total: number;
  errors: number;
  /** Requests sent so far in this run. */
  requests: number;
  /** Judge calls served from the cache so far. */
  cachedCalls: number;
}

/** Options for {@link compareAnswers}. */
export interface CompareAnswersOptions {
  /** Answers of "ours" (A). */
  aFile: string;
  /** Answers of the baseline (B). */
  bFile: string;
  /** A judge, or a spec such as `openai:gpt-4o-mini@https://host/v1`, `rule:length`. */
  judge: JudgeInput;
  /** Options used when `judge` is a spec. */
  judgeOptions?: CreateJudgeOptions;
  /** Pairwise template or its name (default `alignez`, AlignEZ A.4.2); FastChat names need `dataDir`. */
  template?: PairTemplate | string;
  /** Data folder, for FastChat template names. */
  dataDir?: string;
  /** Reference answers by id, for reference-guided templates (`pair-math-v1`). */
  references?: Readonly<Record<string, readonly string[]>>;
  /** Judgments file to write (JSONL, one {@link JudgmentRecord} per judged pair, in A's order). */
  outFile: string;
  /** Judgment cache (default `<outFile>.cache.jsonl`; false: none). */
  cacheFile?: string | false;
  /** Pairs judged at once (default 4). */
  concurrency?: number;
  /**
   * Judge both orders; disagreement is a tie (default false: one seeded random order per pair).
   * The Arena-Hard template always judges both orders (baseline first, then ours first), as
   * Arena-Hard does.
   */
  swap?: boolean;
  /** Seed for the per-pair order (default 0). */
  seed?: number | string;
  /** Most requests this run may send (retries and re-asks included). */
  budget?: number;
  onProgress?: (progress: CompareProgress) => void;
  signal?: AbortSignal;
}

/** Summary returned by {@link compareAnswers}. */
export interface CompareAnswersResult {
  outFile: string;
  cacheFile?: string;
  /** Pairs matched by id. */
  total: number;
  /** Pairs with a verdict in the out file (errors included). */
  judged: number;
  /** Pairs left unjudged because the budget ran out; rerun to finish them. */
  pending: number;
  errors: number;
  requests: number;
  cachedCalls: number;
  budgetExhausted: boolean;
  onlyA: string[];
  onlyB: string[];
}

function checkTurns(pairs: readonly AnswerPair[], template: PairTemplate, aFile: string): void {
  const multi = isMultiTurnTemplate(template);
  for (const { id, a } of pairs) {
    const turns = asTurns(a.prompt).length;
    if (turns > 1 && !multi) {
      throw new EvalInputError(
        `id "${id}" has ${turns} turns but judge template "${template.name}" judges one turn; use a multi-turn template (e.g. pair-v2-multi-turn)`,
        { file: aFile },
      );
    }
    if (turns === 1 && multi) {
      throw new EvalInputError(`judge template "${template.name}" judges two-turn conversations but id "${id}" has one turn`, { file: aFile });
    }
  }
}

/** P(A is better) averaged over the calls that carry a preference; undefined if any call lacks one. */
function preferenceOfA(calls: readonly JudgmentCall[]): number | undefined {
  if (calls.length === 0 || calls.some((c) => c.preference === undefined)) return undefined;
  const pA = calls.map((c) => (c.order === 'AB' ? c.preference! : 1 - c.preference!));
  return pA.reduce((s, p) => s + p, 0) / pA.length;
}

async function judgePair(
  pair: AnswerPair,
  judge: Judge,
  template: PairTemplate,
  options: CompareAnswersOptions,
  context: JudgeContext,
): Promise<JudgmentRecord> {
  // Arena-Hard's game 1 shows the baseline as Assistant A, game 2 shows the model as A.
  const orders: Order[] =
    template.format === 'arena-hard' ? ['BA', 'AB'] : options.swap ? ['AB', 'BA'] : [pickOrder(options.seed ?? 0, pair.id)];
  const question = asTurns(pair.a.prompt);
  const reference = options.references?.[pair.id];
  const calls: JudgmentCall[] = [];
  for (const order of orders) {
    const [first, second] = order === 'AB' ? [pair.a.output, pair.b.output] : [pair.b.output, pair.a.output];
    const r = await judge.pair({ template, question, first: asTurns(first), second: asTurns(second), reference }, context);
    calls.push({
      order,
      verdict: r.verdict,
      ...(r.scores ? { scores: r.scores } : {}),
      ...(r.label !== undefined ? { label: r.label } : {}),
      ...(r.preference !== undefined ? { preference: r.preference } : {}),
      raw: r.raw,
      ...(r.firstRaw !== undefined ? { firstRaw: r.firstRaw } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
      cached: r.cached ?? false,
    });
  }
  const verdicts = calls.map((c) => toVerdict(c.order, c.verdict));
  const { verdict, inconsistent } =
    verdicts.length === 2 ? combineSwapped(verdicts[0], verdicts[1]) : { verdict: verdicts[0], inconsistent: false };
  const error = calls.find((c) => c.error)?.error;
  const preference = preferenceOfA(calls);
  return {
    id: pair.id,
    verdict: preference === undefined ? verdict : preference > 0.5 ? 'A' : preference < 0.5 ? 'B' : 'tie',
    ...(preference !== undefined ? { preference } : {}),
    ...(inconsistent ? { inconsistent } : {}),
    lengthA: textLength(pair.a.output),
    lengthB: textLength(pair.b.output),
    judge: judge.id,
    template: template.name,
    calls,
    ...(error !== undefined ? { error } : {}),
  };
}

/**
 * Judges answers of "ours" (A) against a baseline (B), matched by id: the whole of
 * `aligndial eval compare`. Each pair is shown in one seeded random order (or both, with
 * `swap`), judgments are cached on disk as they arrive (a rerun after an interruption or an
 * exhausted budget pays only for what is missing), failed or unparsable judgments go to the
 * error bucket, and the judgments file is written at the end in A's order.
 */
export async function compareAnswers(options: CompareAnswersOptions): Promise<CompareAnswersResult> {
  const { aFile, bFile, outFile } = options;
  const { pairs, onlyA, onlyB } = matchAnswers(readAnswers(aFile), readAnswers(bFile), { aFile, bFile });
  const template =
    typeof options.template === 'string' ? resolvePairTemplate(options.template, options.dataDir) : (options.template ?? ALIGNEZ_TEMPLATE);
  checkTurns(pairs, template, aFile);
  const { judge, cacheFile } = await prepareJudge(options.judge, { ...options, outFile });
  const budget = new RequestBudget(options.budget);
  const context: JudgeContext = { budget, signal: options.signal };
  const progress: CompareProgress = { done: 0, total: pairs.length, errors: 0, requests: 0, cachedCalls: 0 };
  const run = await runTasks(
    pairs,
    async (pair) => {
      const record = await judgePair(pair, judge, template, options, context);
      progress.done++;
      if (record.verdict === 'error') progress.errors++;
      progress.cachedCalls += record.calls.filter((c) => c.cached).length;
      progress.requests = budget.used;
      options.onProgress?.({ ...progress });
      return record;
    },
    options.concurrency ?? 4,
  );
  const records = run.results.filter((r): r is JudgmentRecord => r !== undefined);
  writeJsonlAtomic(outFile, records);
  return {
    outFile,
    cacheFile,
    total: pairs.length,
    judged: records.length,
    pending: pairs.length - records.length,
    errors: records.filter((r) => r.verdict === 'error').length,
    requests: budget.used,
    cachedCalls: progress.cachedCalls,
    budgetExhausted: run.budgetExhausted,
    onlyA,
    onlyB,
  };
}
