import { hashString } from '@aligndial/core';
import { DEFAULT_TEMPLATES, type PreferenceTemplates, renderTemplate } from '@aligndial/alignez';
import {
  type AnswerStyle,
  answerFor,
  promptsOfSplit,
  sampleStyle,
  seededRandom,
  styleWeights,
  TASK_FAMILIES,
  type TaskFamily,
  UNHELPFUL_STYLES,
  type WorldPrompt,
} from './world.js';

/** One supervised fine-tuning example: a world prompt and an answer in one style. */
export interface SftExample {
  promptId: string;
  prompt: string;
  answer: string;
  style: AnswerStyle;
}

/** One preference pair: the helpful answer is chosen, an unhelpful one rejected. */
export interface WorldPreferencePair {
  id: string;
  prompt: string;
  chosen: string;
  rejected: string;
  rejectedStyle: Exclude<AnswerStyle, 'helpful'>;
}

/** Picks prompts with every task family equally likely (sums would otherwise dominate). */
export function familyBalancedPicker(prompts: readonly WorldPrompt[], random: () => number): () => WorldPrompt {
  const byFamily = new Map<TaskFamily, WorldPrompt[]>();
  for (const p of prompts) byFamily.set(p.family, [...(byFamily.get(p.family) ?? []), p]);
  const families = TASK_FAMILIES.filter((f) => byFamily.has(f));
  if (families.length === 0) throw new Error('no prompts to pick from');
  return () => {
    const list = byFamily.get(families[Math.floor(random() * families.length)])!;
    return list[Math.floor(random() * list.length)];
  };
}

/**
 * SFT examples for the untuned model: family-balanced training prompts, each answered in a style
 * drawn from {@link styleWeights} (so the model learns helpful and unhelpful answers alike).
 */
export function sftExamples(count: number, seed: number, prompts: readonly WorldPrompt[] = promptsOfSplit('train')): SftExample[] {
  const random = seededRandom(seed);
  const pick = familyBalancedPicker(prompts, random);
  return Array.from({ length: count }, () => {
    const p = pick();
    const style = sampleStyle(p, random);
    return { promptId: p.id, prompt: p.text, answer: answerFor(p, style), style };
  });
}

/**
 * Preference pairs (chosen = helpful, rejected = an unhelpful style drawn in proportion to how
 * often the untuned model uses it on that prompt), over family-balanced training prompts.
 */
export function worldPreferencePairs(count: number, seed: number, prompts: readonly WorldPrompt[] = promptsOfSplit('train')): WorldPreferencePair[] {
  const random = seededRandom(seed);
  const pick = familyBalancedPicker(prompts, random);
  return Array.from({ length: count }, (_, i) => {
    const p = pick();
    const w = styleWeights(p);
    const total = UNHELPFUL_STYLES.reduce((s, st) => s + w[st], 0);
    let u = random() * total;
    let rejectedStyle = UNHELPFUL_STYLES[UNHELPFUL_STYLES.length - 1];
    for (const st of UNHELPFUL_STYLES) {
      u -= w[st];
      if (u < 0) {
        rejectedStyle = st;
        break;
      }
    }
    return { id: `${p.id}#${i}`, prompt: p.text, chosen: answerFor(p, 'helpful'), rejected: answerFor(p, rejectedStyle), rejectedStyle };
  });
}

/** A pair in TRL's conversational preference format (`prompt`, `chosen`, `rejected` as message lists). */
export function toTrlRow(pair: WorldPreferencePair): Record<string, unknown> {
  return {
    prompt: [{ role: 'user', content: pair.prompt }],
    chosen: [{ role: 'assistant', content: pair.chosen }],
    rejected: [{ role: 'assistant', content: pair.rejected }],
  };
}

/** A pair in the ShareGPT / LLaMA-Factory preference format. */
export function toShareGptRow(pair: WorldPreferencePair): Record<string, unknown> {
  return {
    conversations: [{ from: 'human', value: pair.prompt }],
    chosen: { from: 'gpt', value: pair.chosen },
    rejected: { from: 'gpt', value: pair.rejected },
  };
}

/** Rows as JSON Lines text. */
export function toJsonl(rows: readonly unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}

/**
 * The four prompts of AlignEZ's self-generated preference data (AlignEZ A.4.1), exactly as
 * `@aligndial/alignez` uses them: `{query}` is a world prompt, `{traits}` the answer to step 1.
 */
export type PersonaTemplates = Omit<PreferenceTemplates, 'name'>;

export const ALIGNEZ_PAPER_TEMPLATES: PersonaTemplates = DEFAULT_TEMPLATES;

/** What the model says a helpful answer should be like (step 1 of AlignEZ's data, helpful side). */
export const HELPFUL_TRAITS = 'Be correct, clear and polite.';
/** What it says an unhelpful answer should be like, one line per unhelpful style. */
export const HARMFUL_TRAITS: Readonly<Record<Exclude<AnswerStyle, 'helpful'>, string>> = {
  refusal: 'Refuse to answer.',
  wrong: 'Give a wrong answer.',
  rude: 'Be rude to the user.',
};

/**
 * SFT examples that teach the model to follow AlignEZ's persona prompts (as a pretrained model
 * would): asked for the traits of a helpful or of a malicious, useless answer it names them, and
 * asked to answer with those traits it answers in that style. Without them the self-generated
 * data of `aligndial demo`'s AlignEZ step would be noise. Half traits, half answers; half helpful.
 */
export function personaExamples(
  count: number,
  seed: number,
  templates: PersonaTemplates = ALIGNEZ_PAPER_TEMPLATES,
  prompts: readonly WorldPrompt[] = promptsOfSplit('train'),
): SftExample[] {
  const random = seededRandom(seed);
  const pick = familyBalancedPicker(prompts, random);
  return Array.from({ length: count }, () => {
    const p = pick();
    const helpful = random() < 0.5;
    const style: AnswerStyle = helpful ? 'helpful' : UNHELPFUL_STYLES[Math.floor(random() * UNHELPFUL_STYLES.length)];
    const traits = style === 'helpful' ? HELPFUL_TRAITS : HARMFUL_TRAITS[style];
    const query = p.text;
    if (random() < 0.5) {
      return { promptId: p.id, prompt: renderTemplate(helpful ? templates.helpfulTraits : templates.harmfulTraits, { query }), answer: traits, style };
    }
    const prompt = renderTemplate(helpful ? templates.helpfulAnswer : templates.harmfulAnswer, { query, traits });
    return { promptId: p.id, prompt, answer: answerFor(p, style), style };
  });
}

/**
 * Held-out prompts for evaluation: up to `count`, taken round-robin over the task families
 * (each family's prompts in a fixed pseudo-random order), so every family is represented.
 */
export function evalPrompts(count: number): WorldPrompt[] {
  const held = promptsOfSplit('heldout');
  const queues = TASK_FAMILIES.map((f) =>
    held.filter((p) => p.family === f).sort((a, b) => hashString(`eval:${a.id}`) - hashString(`eval:${b.id}`)),
  ).filter((q) => q.length > 0);
  const out: WorldPrompt[] = [];
  for (let i = 0; out.length < count && queues.some((q) => i < q.length); i++) {
    for (const q of queues) if (i < q.length && out.length < count) out.push(q[i]);
  }
  return out;
}
