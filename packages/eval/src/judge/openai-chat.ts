import OpenAI from 'openai';
import { JudgeConfigError } from '../errors.js';
import type { ChatFn, ChatReply } from './chat.js';
import { JudgeRequestError, statusError } from './request-error.js';

/** Options for {@link createOpenAIChat}. */
export interface OpenAIChatOptions {
  model: string;
  /** Endpoint root, e.g. `https://host/v1`; defaults to OpenAI's. */
  baseURL?: string;
  /** API key; defaults to `$OPENAI_API_KEY`. Not needed for a custom `baseURL` that ignores keys. */
  apiKey?: string;
  /** Per-request timeout in ms (default 120 000). */
  timeoutMs?: number;
  /** Sampling temperature (default 0, so verdicts are reproducible). */
  temperature?: number;
  /** Cap on the judge's reply length in tokens. */
  maxTokens?: number;
}

function retryAfterMs(headers: unknown): number | undefined {
  const get = (name: string): string | null | undefined =>
    headers instanceof Headers ? headers.get(name) : (headers as Record<string, string> | undefined)?.[name];
  const ms = Number(get('retry-after-ms'));
  if (Number.isFinite(ms) && ms >= 0 && get('retry-after-ms') != null) return ms;
  const seconds = get('retry-after');
  if (seconds == null) return undefined;
  const s = Number(seconds);
  if (Number.isFinite(s)) return s * 1000;
  const date = Date.parse(seconds);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Maps the client's exceptions onto {@link JudgeRequestError} so the retry loop can classify them. */
function toRequestError(err: unknown): JudgeRequestError {
  if (err instanceof OpenAI.APIConnectionTimeoutError) return new JudgeRequestError('request timed out', { retryable: true });
  if (err instanceof OpenAI.APIUserAbortError) throw err;
  if (err instanceof OpenAI.APIConnectionError) {
    return new JudgeRequestError(`connection error: ${err.message}`, { retryable: true });
  }
  if (err instanceof OpenAI.APIError && err.status !== undefined) {
    return statusError(err.status, `HTTP ${err.status}: ${err.message}`, retryAfterMs(err.headers));
  }
  // A 200 whose body is not the expected JSON: the endpoint is misbehaving, not overloaded.
  return new JudgeRequestError(`bad response: ${(err as Error)?.message ?? String(err)}`);
}

/**
 * One-attempt chat requests to an OpenAI-compatible endpoint with the official `openai` client
 * (its own retries are off: {@link chatWithRetry} retries, counting every attempt against the
 * budget).
 */
export function createOpenAIChat(options: OpenAIChatOptions): ChatFn {
  const apiKey = options.apiKey ?? process.env.OPENAI_API_KEY ?? (options.baseURL ? 'unused' : undefined);
  if (apiKey === undefined) {
    throw new JudgeConfigError(`judge openai:${options.model} needs an API key: set OPENAI_API_KEY`);
  }
  const client = new OpenAI({ apiKey, baseURL: options.baseURL, timeout: options.timeoutMs ?? 120_000, maxRetries: 0 });
  return async (messages, { signal, logprobs } = {}) => {
    let response: OpenAI.Chat.Completions.ChatCompletion;
    const maxTokens = logprobs?.maxTokens ?? options.maxTokens;
    try {
      response = await client.chat.completions.create(
        {
          model: options.model,
          messages,
          temperature: options.temperature ?? 0,
          ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }),
          ...(logprobs ? { logprobs: true, top_logprobs: logprobs.topLogprobs } : {}),
        },
        { signal },
      );
    } catch (err) {
      throw toRequestError(err);
    }
    const choice = (response as Partial<OpenAI.Chat.Completions.ChatCompletion> | undefined)?.choices?.[0];
    const content = choice?.message?.content;
    if (typeof content !== 'string') throw new JudgeRequestError('bad response: no choices[0].message.content');
    if (!logprobs) return content;
    const top = choice?.logprobs?.content?.[0]?.top_logprobs;
    const reply: ChatReply = { content };
    // Servers without logprob support leave the field out; the caller then reads the text verdict.
    if (Array.isArray(top)) {
      reply.topLogprobs = top.filter((t) => typeof t?.token === 'string' && typeof t?.logprob === 'number').map((t) => ({ token: t.token, logprob: t.logprob }));
    }
    return reply;
  };
}
