import { UsageError } from './cli-error.js';

/**
 * Parses `--turn-lambda` values into λ by 1-based turn: `T=L` pairs (`2=0.3`, repeatable) or one
 * comma list with a λ per turn (`1,0.3` = turn 1 at 1, turn 2 at 0.3). Turns not named use `--lambda`.
 */
export function parseTurnLambda(values: readonly string[]): Map<number, number> {
  const out = new Map<number, number>();
  const bad = (value: string, why: string) =>
    new UsageError(`--turn-lambda "${value}": ${why} (expected TURN=λ such as 2=0.3, or one λ per turn such as 1,0.3)`);
  const number = (text: string, value: string) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw bad(value, `"${text}" is not a number`);
    return n;
  };
  const set = (turn: number, lambda: number, value: string) => {
    if (out.has(turn)) throw bad(value, `turn ${turn} is given twice`);
    out.set(turn, lambda);
  };
  for (const value of values) {
    if (value.includes('=')) {
      for (const part of value.split(',')) {
        const [turnText, lambdaText, extra] = part.split('=');
        const turn = Number(turnText);
        if (extra !== undefined || lambdaText === undefined || !Number.isInteger(turn) || turn < 1) throw bad(value, `"${part}" is not TURN=λ with TURN ≥ 1`);
        set(turn, number(lambdaText, value), value);
      }
    } else {
      value.split(',').forEach((text, i) => set(i + 1, number(text, value), value));
    }
  }
  return out;
}
