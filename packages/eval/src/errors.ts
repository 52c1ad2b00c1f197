import { AligndialError, locationPrefix } from '@aligndial/core';

/**
 * A mistake in what the user gave us (a file, a spec, an option), as opposed to a bug or a
 * failing judge endpoint. The message names the file and line when there is one, e.g.
 * `answers.jsonl line 7: missing field "output"`.
 */
export class EvalInputError extends AligndialError {
  override name = 'EvalInputError';

  constructor(message: string, where: { file?: string; line?: number } = {}) {
    super(locationPrefix(where) + message, where);
  }
}

/**
 * Thrown when the judge configuration itself is wrong (e.g. HTTP 401/403/404 from the endpoint):
 * every further request would fail the same way, so the run stops instead of filling the
 * error bucket.
 */
export class JudgeConfigError extends AligndialError {
  override name = 'JudgeConfigError';
}

/** Thrown inside a run when its request budget is spent; runs catch it and report `budgetExhausted`. */
export class BudgetExhaustedError extends Error {
  constructor(limit: number) {
    super(`request budget of ${limit} exhausted`);
    this.name = 'BudgetExhaustedError';
  }
}
