import type { ChatMessage as CoreChatMessage } from '@aligndial/core';

/** One chat message (core's type with OpenAI's three roles), as passed to a {@link Generator} for multi-turn prompts. */
export type ChatMessage = CoreChatMessage<'system' | 'user' | 'assistant'>;

/**
 * Produces a model's answer. Gets a plain string for single-turn prompts and the conversation so
 * far (ending with a user message) for multi-turn ones; the implementation applies its own chat
 * template and decoding settings (e.g. a core model at a given λ).
 */
export type Generator = (prompt: string | ChatMessage[]) => Promise<string>;
