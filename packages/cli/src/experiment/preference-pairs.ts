import type { TokenizedPreference } from '@aligndial/dpo';
import type { SeededSample } from './seeded-sampling.js';

/** A preference pair built from the model's own samples: the best and the worst continuation of a prompt. */
export interface RewardPair {
  prompt: number;
  promptText: string;
  chosen: SeededSample & { reward: number };
  rejected: SeededSample & { reward: number };
}

/**
 * Per prompt: chosen = the highest-reward sample, rejected = the lowest (first on ties); prompts whose
 * samples all score the same give no pair (nothing to prefer), nor do empty continuations.
 */
export function buildRewardPairs(samples: readonly SeededSample[], rewards: readonly number[], promptTexts: readonly string[]): RewardPair[] {
  const byPrompt = new Map<number, { s: SeededSample; r: number }[]>();
  samples.forEach((s, k) => {
    if (s.ids.length === 0) return;
    const list = byPrompt.get(s.prompt) ?? [];
    list.push({ s, r: rewards[k] });
    byPrompt.set(s.prompt, list);
  });
  const pairs: RewardPair[] = [];
  for (const [prompt, list] of [...byPrompt].sort((a, b) => a[0] - b[0])) {
    let best = list[0];
    let worst = list[0];
    for (const x of list) {
      if (x.r > best.r) best = x;
      if (x.r < worst.r) worst = x;
    }
    if (best.r === worst.r) continue;
    pairs.push({ prompt, promptText: promptTexts[prompt], chosen: { ...best.s, reward: best.r }, rejected: { ...worst.s, reward: worst.r } });
  }
  return pairs;
}

/** Token ids of a pair for DPO (the prompt's ids as sampled from; completions without EOS). */
export function tokenizedPair(pair: RewardPair, promptIds: readonly number[]): TokenizedPreference {
  return { promptIds: [...promptIds], chosenIds: [...pair.chosen.ids], rejectedIds: [...pair.rejected.ids], source: `prompt ${pair.prompt} (seeds ${pair.chosen.seed}/${pair.rejected.seed})` };
}
