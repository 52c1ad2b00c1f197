import { randomBytes } from 'node:crypto';

/*
 * Response objects of the OpenAI API (chat.completion, chat.completion.chunk, text_completion),
 * each with an extra `aligndial` field saying which steering produced it.
 */

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** The steering a response was generated with (the page shows it on every answer). */
export interface AligndialInfo {
  lambda: number | null;
  alignez: { enabled: boolean | null; strength: number | null };
}

export type FinishReason = 'stop' | 'length';

export function newCompletionId(kind: 'chat' | 'completion'): string {
  return `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomBytes(12).toString('hex')}`;
}

export function usage(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

interface Meta {
  id: string;
  created: number;
  model: string;
  aligndial: AligndialInfo;
}

/** The fields every response object starts with. */
function envelope<O extends string>(meta: Meta, object: O) {
  return { id: meta.id, object, created: meta.created, model: meta.model };
}

export function chatCompletion(meta: Meta, text: string, finishReason: FinishReason, u: Usage) {
  return {
    ...envelope(meta, 'chat.completion'),
    choices: [{ index: 0, message: { role: 'assistant' as const, content: text, refusal: null }, logprobs: null, finish_reason: finishReason }],
    usage: u,
    system_fingerprint: null,
    aligndial: meta.aligndial,
  };
}

/** One streamed chat chunk; `usage` is null on every chunk but the last when include_usage is on. */
export function chatChunk(meta: Meta, delta: { role?: 'assistant'; content?: string }, finishReason: FinishReason | null, includeUsage: boolean) {
  return {
    ...envelope(meta, 'chat.completion.chunk'),
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    system_fingerprint: null,
    aligndial: meta.aligndial,
    ...(includeUsage ? { usage: null } : {}),
  };
}

export function chatUsageChunk(meta: Meta, u: Usage) {
  return { ...envelope(meta, 'chat.completion.chunk'), choices: [], usage: u, system_fingerprint: null, aligndial: meta.aligndial };
}

export function textCompletion(meta: Meta, text: string, finishReason: FinishReason | null, u: Usage | null | undefined) {
  return {
    ...envelope(meta, 'text_completion'),
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason }],
    system_fingerprint: null,
    aligndial: meta.aligndial,
    ...(u === undefined ? {} : { usage: u }),
  };
}

export function textUsageChunk(meta: Meta, u: Usage) {
  return { id: meta.id, object: 'text_completion' as const, created: meta.created, model: meta.model, choices: [], usage: u, system_fingerprint: null, aligndial: meta.aligndial };
}

/** A `chat.completion` response object (non-streaming `POST /v1/chat/completions`). */
export type ChatCompletion = ReturnType<typeof chatCompletion>;
/** One `chat.completion.chunk` of a streamed chat answer (the last may carry only `usage`). */
export type ChatCompletionChunk = ReturnType<typeof chatChunk> | ReturnType<typeof chatUsageChunk>;
/** A `text_completion` response object or stream chunk (`POST /v1/completions`). */
export type TextCompletion = ReturnType<typeof textCompletion> | ReturnType<typeof textUsageChunk>;
