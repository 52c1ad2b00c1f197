import { JudgeConfigError } from '../errors.js';
import type { ChatMessage } from '../generate/generator.js';
import { type ChatFn, type ChatReply, type ChatRequestOptions, toChatReply } from './chat.js';
import type { JudgeContext } from './judge.js';
import { JudgeRequestError } from './request-error.js';

/** Retry policy for judge requests: exponential backoff with jitter, honouring `Retry-After`. */
export interface RetryOptions {
  /** Retries after the first attempt (default 4). */
  retries: number;
  /** First backoff delay in ms (default 1000); doubles per retry. */
  baseDelayMs: number;
  /** Cap on any single wait, including server-requested ones (default 30 000). */
  maxDelayMs: number;
}

/** Defaults for {@link RetryOptions}. */
export const DEFAULT_RETRY: RetryOptions = { retries: 4, baseDelayMs: 1000, maxDelayMs: 30_000 };

/** Counts requests across the attempts of one judge call. */
export interface RequestTally {
  requests: number;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Sends one chat request, retrying retryable failures. Each attempt takes one request from the
 * budget (so it throws `BudgetExhaustedError` when spent). Throws {@link JudgeConfigError} for
 * fatal failures and the last {@link JudgeRequestError} when retries run out.
 */
export async function chatWithRetry(
  chat: ChatFn,
  messages: ChatMessage[],
  retry: RetryOptions,
  tally: RequestTally,
  context: JudgeContext = {},
  request: Omit<ChatRequestOptions, 'signal'> = {},
): Promise<ChatReply> {
  for (let attempt = 0; ; attempt++) {
    context.budget?.take();
    tally.requests++;
    try {
      return toChatReply(await chat(messages, { ...request, signal: context.signal }));
    } catch (err) {
      const error = err instanceof JudgeRequestError ? err : new JudgeRequestError(String((err as Error)?.message ?? err));
      if (error.fatal) throw new JudgeConfigError(`judge request failed: ${error.message}`);
      if (!error.retryable || attempt >= retry.retries) {
        const attempts = `${attempt + 1} attempt${attempt === 0 ? '' : 's'}`;
        throw new JudgeRequestError(`${error.message} (after ${attempts})`, { status: error.status });
      }
      const backoff = retry.baseDelayMs * 2 ** attempt * (0.5 + Math.random() / 2);
      await sleep(Math.min(retry.maxDelayMs, error.retryAfterMs ?? backoff), context.signal);
    }
  }
}
