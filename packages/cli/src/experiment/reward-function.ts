import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AligndialError } from '@aligndial/core';
import { lexiconReward } from './sentiment-lexicon.js';

/** Scores one sampled continuation (the prompt is given for rewards that need it). Higher is better. */
export type RewardFunction = (continuation: string, prompt: string) => number | Promise<number>;

/** A reward with the name it is reported under. */
export interface NamedReward {
  /** `lexicon` or the module's path as given. */
  name: string;
  score: RewardFunction;
}

/** The built-in sentiment lexicon reward (see sentiment-lexicon.ts). */
export const LEXICON_REWARD: NamedReward = { name: 'lexicon', score: (text) => lexiconReward(text) };

/**
 * `lexicon`, or a JavaScript module (ESM or CommonJS) whose default export — or export named `reward` — is a
 * {@link RewardFunction}. Errors name the file.
 */
export async function loadReward(spec: string): Promise<NamedReward> {
  if (spec === 'lexicon') return LEXICON_REWARD;
  const path = resolve(spec);
  if (!existsSync(path)) throw new AligndialError(`--reward ${spec}: file not found`, { hint: 'Use "lexicon" (built in) or a .js/.mjs module that exports a function (continuation, prompt) => number.' });
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new AligndialError(`--reward ${spec}: the module could not be loaded: ${(error as Error).message}`);
  }
  const nested = mod.default as Record<string, unknown> | undefined;
  const fn = [mod.default, mod.reward, nested?.default, nested?.reward].find((f) => typeof f === 'function') as RewardFunction | undefined;
  if (!fn) throw new AligndialError(`--reward ${spec}: the module exports no function (export default (continuation, prompt) => number, or export a function named reward)`);
  return { name: spec, score: fn };
}

/** Scores texts with a reward; a value that is not a finite number is an error naming the sample. */
export async function scoreAll(reward: NamedReward, texts: readonly string[], prompts: readonly string[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < texts.length; i++) {
    const value = await reward.score(texts[i], prompts[i]);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new AligndialError(`reward ${reward.name} returned ${String(value)} for sample ${i} ("${texts[i].slice(0, 40)}…"); it must return a finite number`);
    }
    out.push(value);
  }
  return out;
}
