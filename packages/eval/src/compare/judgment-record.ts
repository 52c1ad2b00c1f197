import { EvalInputError } from '../errors.js';
import { asObject, idField } from '../io/fields.js';
import { readJsonl } from '../io/jsonl.js';
import type { ArenaHardLabel, PositionVerdict } from '../judge/parse-verdict.js';
import type { Order, Verdict } from './order.js';

/** One judge call within a pair's judgment. */
export interface JudgmentCall {
  order: Order;
  /** Verdict in presentation order. */
  verdict: PositionVerdict | 'error';
  scores?: [number, number];
  /** Arena-Hard template: the judge's label, in presentation order. */
  label?: ArenaHardLabel;
  /** AlpacaEval template: probability that position 1 is better. */
  preference?: number;
  raw: string;
  firstRaw?: string;
  error?: string;
  cached: boolean;
}

/**
 * One line of a judgments file (written by `compareAnswers`): the verdict of A ("ours") against
 * B (the baseline) for one prompt id, with every judge call behind it.
 */
export interface JudgmentRecord {
  id: string;
  verdict: Verdict;
  /** Swap mode only: the two orders disagreed, so the verdict is a tie. */
  inconsistent?: boolean;
  /** Answer lengths in code points (for the length-controlled win rate). */
  lengthA: number;
  lengthB: number;
  judge: string;
  template: string;
  /**
   * AlpacaEval template: probability that A ("ours") is better, averaged over the calls (the
   * soft preference AlpacaEval's win rate averages). Absent for the other templates.
   */
  preference?: number;
  calls: JudgmentCall[];
  error?: string;
}

const VERDICTS = new Set<unknown>(['A', 'B', 'tie', 'error']);

/** Reads and validates a judgments file (throws {@link EvalInputError} naming file and line). */
export function readJudgments(file: string): JudgmentRecord[] {
  return readJsonl(file).map(({ value, line }) => {
    const at = { file, line };
    const obj = asObject(value, at);
    idField(obj, 'id', at);
    if (!VERDICTS.has(obj.verdict)) {
      throw new EvalInputError(
        obj.verdict === undefined ? 'missing field "verdict"' : 'field "verdict" must be "A", "B", "tie" or "error"',
        at,
      );
    }
    for (const field of ['lengthA', 'lengthB']) {
      if (typeof obj[field] !== 'number') throw new EvalInputError(`missing numeric field "${field}"`, at);
    }
    return { ...obj, id: String(obj.id) } as unknown as JudgmentRecord;
  });
}
