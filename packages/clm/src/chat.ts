import { AligndialError, type ChatMessage, type ChatTemplateOptions, type GenerateOptions, type GenerateResult, type TokenEvent, type Tokenizer } from '@aligndial/core';
import type { ClmModel } from './clm-model.js';
import { generateWithLambda, type ClmDecoderOptions } from './clm-decoder.js';
import { validateLambda } from './lambda-mix.js';

/** Options of {@link chatWithLambdas}: core generation options (per turn), plus one λ per assistant turn. */
export interface ChatWithLambdasOptions extends Omit<GenerateOptions, 'tokenizer' | 'onToken'>, Omit<ClmDecoderOptions, 'lambda'> {
  /** λ for each assistant turn, in order (paper Table 4: e.g. [1.5, 0.3]). One per user turn. */
  lambdas: readonly number[];
  /** A system message put before the first user turn. */
  system?: string;
  /** Chat-template options (template name, extra variables); `addGenerationPrompt` is always on. */
  template?: Omit<ChatTemplateOptions, 'addGenerationPrompt' | 'tokenize'>;
  /** Streaming: every generated token, with the turn it belongs to. */
  onToken?: (event: TokenEvent & { turn: number }) => void;
}

/** One assistant turn of every conversation in the batch. */
export interface ChatTurn {
  turn: number;
  lambda: number;
  /** The generation of this turn for every conversation (rows in conversation order). */
  result: GenerateResult;
}

export interface ChatWithLambdasResult {
  /** The full conversations: system (if any), then user/assistant turns. */
  messages: ChatMessage[][];
  turns: ChatTurn[];
}

/**
 * Multi-turn chat with a λ per assistant turn (paper Table 4): for turn t every conversation's history so far
 * is rendered with the tokenizer's chat template and the assistant's answer is generated at `lambdas[t]`.
 * λ only mixes logits, so each turn is an ordinary λ-merged generation over the whole history.
 * @param conversations - A batch of conversations, each the list of its user messages (all the same length).
 */
export async function chatWithLambdas(
  clm: ClmModel,
  tokenizer: Tokenizer,
  conversations: readonly (readonly string[])[],
  options: ChatWithLambdasOptions,
): Promise<ChatWithLambdasResult> {
  const turns = options.lambdas.length;
  if (conversations.length === 0) throw new AligndialError('chatWithLambdas needs at least one conversation');
  conversations.forEach((userTurns, c) => {
    if (userTurns.length !== turns) {
      throw new AligndialError(`conversation ${c} has ${userTurns.length} user turn(s) but ${turns} lambda(s) were given: one λ per assistant turn`);
    }
  });
  options.lambdas.forEach((lambda, t) => validateLambda(lambda, `lambda for turn ${t + 1}`, options.warn));
  const messages: ChatMessage[][] = conversations.map(() => (options.system !== undefined ? [{ role: 'system', content: options.system }] : []));
  const out: ChatTurn[] = [];
  const { lambdas, system: _system, template, onToken, ...generation } = options;
  for (let t = 0; t < turns; t++) {
    conversations.forEach((userTurns, c) => messages[c].push({ role: 'user', content: userTurns[t] }));
    const prompts = messages.map((m) => tokenizer.encodeChat(m, { ...template, addGenerationPrompt: true }));
    const result = await generateWithLambda(clm, prompts, {
      ...generation,
      eosTokenIds: generation.eosTokenIds ?? tokenizer.eosTokenIds,
      lambda: lambdas[t],
      warn: () => {},
      tokenizer,
      onToken: onToken && ((event) => onToken({ ...event, turn: t })),
    });
    result.sequences.forEach((sequence, c) => messages[c].push({ role: 'assistant', content: sequence.text ?? '' }));
    out.push({ turn: t, lambda: lambdas[t], result });
  }
  return { messages, turns: out };
}
