import { AligndialError, type ChatMessage, type Tokenizer, cutText, formatPlainChat, isAligndialError } from '@aligndial/core';
import type { PreferenceExample } from './preference-example.js';
import type { SkippedRow } from './read-preference-file.js';

/** A tokenized preference pair: one prompt, two completions (the loss counts completion tokens only). */
export interface TokenizedPreference {
  promptIds: number[];
  chosenIds: number[];
  rejectedIds: number[];
  /** Where the row came from (`file:line`). */
  source: string;
}

/**
 * How text becomes tokens:
 * - `auto` (default): message lists use the tokenizer's chat template (the plain `User: …` format of
 *   core's `formatPlainChat` when it has none); plain strings are concatenated (prompt with BOS, completion + EOS;
 *   the completion's tokens are those of `prompt + completion` after the prompt's tokens).
 * - `always`: plain strings too are wrapped as a user turn and an assistant turn and rendered as a chat.
 * - `never`: message lists are rendered in the plain format even when the tokenizer has a template.
 */
export type ChatTemplateMode = 'auto' | 'always' | 'never';

export interface TokenizePreferenceOptions {
  chatTemplate?: ChatTemplateMode;
  /**
   * Longest prompt + completion, in tokens. When a pair is longer, the prompt is cut from the left
   * (its end is kept, and its leading BOS) only as far as needed for the longer completion to fit, but
   * never below `maxPromptLength`; then each completion is cut at its end to fit what is left.
   */
  maxLength?: number;
  /** The prompt's token budget under truncation; also a hard cap on the prompt. Default ⌈maxLength/2⌉. */
  maxPromptLength?: number;
  /**
   * End each completion with EOS when it contains none (default true, as TRL's DPO trainer). False
   * keeps completions as tokenized: for data whose completions are cut mid-answer or continue
   * text, where teaching the model to stop there would be wrong.
   */
  appendEos?: boolean;
  /**
   * Cut every text to this many characters before tokenizing (prompts keep their end, completions their
   * start). Default: `tokenizer.charBudget(maxLength)` when `maxLength` is set, which changes no token a
   * `maxLength` truncation keeps but bounds the work on a 32 MB answer; no cut without `maxLength`.
   */
  maxChars?: number;
}

/** The example with each text cut to `maxChars` characters (see {@link TokenizePreferenceOptions.maxChars}). */
export function cutPreferenceText(example: PreferenceExample, maxChars: number): PreferenceExample {
  const cut = (value: string | ChatMessage[], keep: 'start' | 'end') =>
    typeof value === 'string' ? cutText(value, maxChars, keep) : value.map((m) => ({ ...m, content: cutText(m.content, maxChars, keep) }));
  return { ...example, prompt: cut(example.prompt, 'end'), chosen: cut(example.chosen, 'start'), rejected: cut(example.rejected, 'start') };
}

function firstIsBos(ids: readonly number[], bos: number | undefined): boolean {
  return bos !== undefined && ids[0] === bos;
}

/** Removes repeated leading BOS tokens (a template that writes BOS, plus a tokenizer that adds one). */
function dropDoubleBos(ids: number[], bos: number | undefined): number[] {
  let start = 0;
  while (firstIsBos(ids.slice(start), bos) && ids[start + 1] === bos) start++;
  return start === 0 ? ids : ids.slice(start);
}

/** Keeps the last `keep` tokens of the prompt, and its leading BOS when it has one. */
function keepPromptEnd(ids: number[], keep: number, bos: number | undefined): number[] {
  if (ids.length <= keep) return ids;
  if (firstIsBos(ids, bos) && keep >= 2) return [ids[0], ...ids.slice(ids.length - (keep - 1))];
  return ids.slice(ids.length - keep);
}

/**
 * Applies the truncation rule of {@link TokenizePreferenceOptions.maxLength} to a tokenized pair.
 * @returns The pair (new arrays when cut) and whether anything was cut.
 */
export function truncatePreference(
  pair: TokenizedPreference,
  options: { maxLength?: number; maxPromptLength?: number; bosTokenId?: number },
): { pair: TokenizedPreference; truncated: boolean } {
  const L = options.maxLength;
  if (L === undefined) {
    if (options.maxPromptLength === undefined || pair.promptIds.length <= options.maxPromptLength) return { pair, truncated: false };
  }
  if (L !== undefined && !(Number.isInteger(L) && L >= 2)) throw new AligndialError(`maxLength must be an integer ≥ 2, got ${String(L)}`);
  const budget = Math.min(options.maxPromptLength ?? Math.ceil((L ?? Infinity) / 2), L === undefined ? Infinity : L - 1);
  if (!(budget >= 1)) throw new AligndialError(`maxPromptLength must be a positive integer, got ${String(options.maxPromptLength)}`);
  let prompt = options.maxPromptLength !== undefined ? keepPromptEnd(pair.promptIds, options.maxPromptLength, options.bosTokenId) : pair.promptIds;
  let chosen = pair.chosenIds;
  let rejected = pair.rejectedIds;
  if (L !== undefined) {
    const longest = Math.max(chosen.length, rejected.length);
    if (prompt.length + longest > L) {
      const keep = Math.max(L - longest, Math.min(prompt.length, budget));
      prompt = keepPromptEnd(prompt, keep, options.bosTokenId);
      const room = L - prompt.length;
      chosen = chosen.slice(0, room);
      rejected = rejected.slice(0, room);
    }
  }
  const truncated = prompt !== pair.promptIds || chosen.length !== pair.chosenIds.length || rejected.length !== pair.rejectedIds.length;
  return { pair: truncated ? { ...pair, promptIds: prompt, chosenIds: chosen, rejectedIds: rejected } : pair, truncated };
}

/** Appends EOS to a completion that contains none of the tokenizer's EOS ids (unless `append` is false). */
function withEos(ids: number[], tokenizer: Tokenizer, append = true): number[] {
  const eos = tokenizer.eosTokenId;
  if (!append || eos === undefined || ids.some((id) => tokenizer.eosTokenIds.includes(id))) return ids;
  return [...ids, eos];
}

function renderChat(tokenizer: Tokenizer, messages: readonly ChatMessage[], generationPrompt: boolean, mode: ChatTemplateMode): string {
  if (mode === 'never') return formatPlainChat(messages, generationPrompt);
  return tokenizer.applyChatTemplate(messages, { addGenerationPrompt: generationPrompt });
}

/**
 * Completion ids of a conversation: the tokens of (prompt + completion) after the prompt's tokens
 * (rendered with the generation prompt). When tokenization at the boundary differs, the completion's
 * text (the rendered conversation minus the rendered prompt) is tokenized on its own.
 */
function chatCompletionIds(
  tokenizer: Tokenizer,
  prompt: ChatMessage[],
  completion: ChatMessage[],
  promptText: string,
  promptIds: number[],
  addSpecial: boolean,
  mode: ChatTemplateMode,
  source: string,
  field: string,
): number[] {
  const fullText = renderChat(tokenizer, [...prompt, ...completion], false, mode);
  const fullIds = dropDoubleBos(tokenizer.encode(fullText, { addSpecialTokens: addSpecial }), tokenizer.bosTokenId);
  if (fullIds.length > promptIds.length && promptIds.every((id, i) => fullIds[i] === id)) return fullIds.slice(promptIds.length);
  if (!fullText.startsWith(promptText)) {
    throw new AligndialError(`${source}: the chat template does not render the prompt as the start of prompt + "${field}"`, {
      hint: 'Use a template whose add_generation_prompt output is a prefix of the rendered conversation, or --chat-template never.',
    });
  }
  return tokenizer.encode(fullText.slice(promptText.length), { addSpecialTokens: false });
}

/**
 * Tokenizes one pair (see {@link ChatTemplateMode}); the prompt holds one BOS at most, completions end
 * with EOS (when the template does not close the turn with one, unless `appendEos` is false), and
 * `maxLength` truncation applies.
 * @throws AligndialError naming the row when a part tokenizes to nothing.
 */
export function tokenizePreference(original: PreferenceExample, tokenizer: Tokenizer, options: TokenizePreferenceOptions = {}): TokenizedPreference {
  const maxChars = options.maxChars ?? (options.maxLength !== undefined ? tokenizer.charBudget(options.maxLength) : undefined);
  const example = maxChars === undefined ? original : cutPreferenceText(original, maxChars);
  const mode = options.chatTemplate ?? 'auto';
  const bos = tokenizer.bosTokenId;
  const { source } = example;
  const conversational = typeof example.prompt !== 'string' || typeof example.chosen !== 'string' || mode === 'always';
  let pair: TokenizedPreference;
  if (!conversational) {
    const promptText = example.prompt as string;
    const promptIds = dropDoubleBos(tokenizer.encode(promptText), bos);
    // The tokens of prompt + completion after the prompt's, so the completion is tokenized as in the
    // whole text; when the boundary merges differently, the completion is encoded on its own.
    const completion = (text: string) => {
      const full = dropDoubleBos(tokenizer.encode(promptText + text), bos);
      const ids =
        full.length > promptIds.length && promptIds.every((id, i) => full[i] === id)
          ? full.slice(promptIds.length)
          : tokenizer.encode(text, { addSpecialTokens: false });
      return withEos(ids, tokenizer, options.appendEos);
    };
    pair = { promptIds, chosenIds: completion(example.chosen as string), rejectedIds: completion(example.rejected as string), source };
  } else {
    const turns = (value: string | ChatMessage[], role: string): ChatMessage[] => (typeof value === 'string' ? [{ role, content: value }] : value);
    const prompt = turns(example.prompt, 'user');
    const templated = mode !== 'never' && tokenizer.hasChatTemplate;
    // A template writes BOS itself; the plain format gets it from encode().
    const addSpecial = !templated;
    const promptText = renderChat(tokenizer, prompt, true, mode);
    const promptIds = dropDoubleBos(tokenizer.encode(promptText, { addSpecialTokens: addSpecial }), bos);
    const completion = (value: string | ChatMessage[], field: string) =>
      withEos(chatCompletionIds(tokenizer, prompt, turns(value, 'assistant'), promptText, promptIds, addSpecial, mode, source, field), tokenizer, options.appendEos);
    pair = { promptIds, chosenIds: completion(example.chosen, 'chosen'), rejectedIds: completion(example.rejected, 'rejected'), source };
  }
  if (pair.promptIds.length === 0) {
    throw new AligndialError(`${source}: the prompt tokenizes to no tokens (the model needs at least one token before the completion)`);
  }
  for (const field of ['chosenIds', 'rejectedIds'] as const) {
    if (pair[field].length === 0) throw new AligndialError(`${source}: "${field === 'chosenIds' ? 'chosen' : 'rejected'}" tokenizes to no tokens`);
  }
  return truncatePreference(pair, { maxLength: options.maxLength, maxPromptLength: options.maxPromptLength, bosTokenId: bos }).pair;
}

/** Result of {@link tokenizePreferences}. */
export interface TokenizedPreferenceData {
  pairs: TokenizedPreference[];
  skipped: SkippedRow[];
  /** Pairs cut by `maxLength` / `maxPromptLength`. */
  truncated: number;
}

/**
 * Tokenizes every example; with `skipInvalid` rows that fail are dropped and listed in `skipped`.
 */
export function tokenizePreferences(
  examples: readonly PreferenceExample[],
  tokenizer: Tokenizer,
  options: TokenizePreferenceOptions & { skipInvalid?: boolean } = {},
): TokenizedPreferenceData {
  const out: TokenizedPreferenceData = { pairs: [], skipped: [], truncated: 0 };
  for (const example of examples) {
    try {
      // Untruncated first (to count the pairs truncation cuts), but never longer than maxLength can use.
      const maxChars = options.maxChars ?? (options.maxLength !== undefined ? tokenizer.charBudget(options.maxLength) : undefined);
      const full = tokenizePreference(example, tokenizer, { ...options, maxLength: undefined, maxPromptLength: undefined, maxChars });
      const { pair, truncated } = truncatePreference(full, { ...options, bosTokenId: tokenizer.bosTokenId });
      if (truncated) out.truncated++;
      out.pairs.push(pair);
    } catch (error) {
      if (!options.skipInvalid || !isAligndialError(error)) throw error;
      const prefix = `${example.source}: `;
      out.skipped.push({ source: example.source, reason: error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message });
    }
  }
  return out;
}
