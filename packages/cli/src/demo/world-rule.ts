import { registerRule, type RuleJudgeFn, type RuleJudgeInput, type RuleVerdict } from '@aligndial/eval';
import { classifyAnswer, findPrompt, KIND_REWARD } from './world.js';

/** The judge spec that selects {@link worldRule} in `aligndial demo --judge`. */
export const WORLD_JUDGE_SPEC = 'rule:world';

/**
 * The world's pairwise rule judge: each answer gets its rule reward (helpful 1, refusal 0,
 * wrong/off-topic −0.5, rude/garbage −1) and the higher one wins; equal rewards tie. Throws
 * (an error verdict in eval) when the question is not a prompt of the world.
 * Registered as `rule:world` by {@link registerWorldRule}.
 */
export const worldRule: RuleJudgeFn = ({ question, first, second }: RuleJudgeInput): RuleVerdict => {
  const prompt = findPrompt(question);
  if (!prompt) throw new Error(`not a prompt of the demo world: ${JSON.stringify(question.slice(0, 80))}`);
  const k1 = classifyAnswer(prompt, first);
  const k2 = classifyAnswer(prompt, second);
  const r1 = KIND_REWARD[k1];
  const r2 = KIND_REWARD[k2];
  return { verdict: r1 > r2 ? 'first' : r1 < r2 ? 'second' : 'tie', raw: `${k1} (${r1}) vs ${k2} (${r2})` };
};


/** Makes `rule:world` available to eval's judge specs (idempotent; the CLI calls it when it builds its program). */
export function registerWorldRule(): void {
  registerRule('world', worldRule);
}
