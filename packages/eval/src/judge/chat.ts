import type { ChatMessage } from '../generate/generator.js';

/** One candidate for a generated token with its log-probability (OpenAI's `top_logprobs` entry). */
export interface TokenLogprob {
  token: string;
  logprob: number;
}

/** A chat model's reply: its text and, when asked for and returned, the first token's top log-probabilities. */
export interface ChatReply {
  content: string;
  /** `choices[0].logprobs.content[0].top_logprobs`; absent when the endpoint returns none. */
  topLogprobs?: TokenLogprob[];
}

/** Per-request options of a {@link ChatFn}. */
export interface ChatRequestOptions {
  signal?: AbortSignal;
  /**
   * Ask for the first token's top log-probabilities (AlpacaEval's annotator reads its preference
   * from them). Endpoints that cannot return them reply with text only.
   */
  logprobs?: { topLogprobs: number; maxTokens: number };
}

/**
 * One request to a chat model: messages in, reply out (a plain string, or a {@link ChatReply}
 * carrying log-probabilities). Throws {@link JudgeRequestError} (from `./request-error.js`) on
 * failure; retries are done by the caller.
 */
export type ChatFn = (messages: ChatMessage[], options?: ChatRequestOptions) => Promise<string | ChatReply>;

/** Normalises what a {@link ChatFn} returned. */
export function toChatReply(reply: string | ChatReply): ChatReply {
  return typeof reply === 'string' ? { content: reply } : reply;
}

/**
 * Flattens a conversation into one plain-text prompt, for completion-only models that have no
 * chat template.
 */
export function chatToText(messages: readonly ChatMessage[]): string {
  const label = { system: 'System', user: 'User', assistant: 'Assistant' } as const;
  return `${messages.map((m) => `${label[m.role]}: ${m.content}`).join('\n\n')}\n\nAssistant:`;
}
