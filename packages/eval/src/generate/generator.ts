import type { ChatMessage as CoreChatMessage } from '@aligndial/core';

/** One chat message (core's type with OpenAI's three roles), as passed to a {@link Generator} for multi-turn prompts. */
export type ChatMessage = CoreChatMessage<'system' | 'user' | 'assistant'>;

/** Which answer a {@link Generator} call is for. */
export interface GenerateContext {
  /** The prompt's id. */
  id: string;
  /** 1-based turn of a multi-turn prompt (1 for single-turn prompts). */
  turn: number;
  /** 0-based sample index (with several samples per prompt). */
  sample: number;
  /** The seed to sample this answer with, when the run is seeded. */
  seed?: number;
}

/** A generated answer with what produced it, recorded beside the text. */
export interface GeneratedText {
  text: string;
  /** The generated token ids (prompt excluded). */
  tokenIds?: number[];
  /** The alignment strength λ the answer was generated at, when steered. */
  lambda?: number;
}

/**
 * Produces a model's answer. Gets a plain string for single-turn prompts and the conversation so
 * far (ending with a user message) for multi-turn ones; the implementation applies its own chat
 * template and decoding settings (e.g. a core model at a given λ). It may return the text alone
 * or with its token ids and λ.
 */
export type Generator = (prompt: string | ChatMessage[], context?: GenerateContext) => Promise<string | GeneratedText>;
