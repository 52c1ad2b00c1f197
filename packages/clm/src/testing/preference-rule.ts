// A synthetic preference rule for tests: "use tokens from a fixed good set". Not exported from the package.
import { Rng, type Transformer, type tf } from '@aligndial/core';
import type { TokenizedPreference } from '@aligndial/dpo';
import { generateWithLambda } from '../clm-decoder.js';
import type { ClmModel } from '../clm-model.js';

export interface PreferenceRule {
  /** Whether a token is in the good set. */
  good(token: number): boolean;
  /** Pairs whose chosen completion uses only good tokens and whose rejected completion uses none. */
  pairs: TokenizedPreference[];
  /** Held-out prompts (BOS + random tokens) for measuring the reward of generations. */
  prompts: number[][];
}

/**
 * The good set is the `size` tokens whose embeddings point furthest along a random direction u, so that
 * a single added layer can express the preference (shift the residual stream along u).
 */
export function embeddingDirectionRule(model: Transformer, options: { size: number; pairs: number; prompts: number; seed: number }): PreferenceRule {
  const rng = new Rng(options.seed);
  const V = model.config.vocabSize;
  const u = Array.from({ length: model.config.hiddenSize }, () => rng.normal());
  const E = (model.weights.embed as tf.Variable).arraySync() as number[][];
  const ranked = E.map((e, t) => ({ t, s: t < 3 ? Number.NEGATIVE_INFINITY : e.reduce((a, x, i) => a + x * u[i], 0) })).sort((a, b) => b.s - a.s);
  const goodSet = new Set(ranked.slice(0, options.size).map((x) => x.t));
  const good = (t: number) => goodSet.has(t);
  const token = () => 3 + rng.int(V - 3);
  const pick = (wantGood: boolean) => {
    for (;;) {
      const t = token();
      if (good(t) === wantGood) return t;
    }
  };
  const prompt = () => [1, ...Array.from({ length: 5 }, token)];
  const pairs = Array.from({ length: options.pairs }, (_, i) => ({
    promptIds: prompt(),
    chosenIds: Array.from({ length: 6 }, () => pick(true)),
    rejectedIds: Array.from({ length: 6 }, () => pick(false)),
    source: `rule: pair ${i}`,
  }));
  return { good, pairs, prompts: Array.from({ length: options.prompts }, prompt) };
}

/** The rule-based reward of greedy generations at λ: the fraction of generated tokens in the good set. */
export async function ruleReward(clm: ClmModel, rule: PreferenceRule, lambda: number, maxNewTokens = 8): Promise<number> {
  const result = await generateWithLambda(clm, rule.prompts, { lambda, maxNewTokens, temperature: 0, warn: () => {} });
  const ids = result.sequences.flatMap((s) => s.ids);
  return ids.filter(rule.good).length / ids.length;
}
