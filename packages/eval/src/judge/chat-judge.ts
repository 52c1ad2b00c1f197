import type { ChatMessage } from '../generate/generator.js';
import { ALPACA_EVAL_LOGPROBS } from './alpaca-eval-template.js';
import type { ChatFn, ChatReply, ChatRequestOptions } from './chat.js';
import type { GradeInput, GradeResult, Judge, JudgeContext, JudgeOutcome, PairInput, PairResult } from './judge.js';
import { type ParsedPair, parsePairVerdict, parseRating, REASK_MESSAGES } from './parse-verdict.js';
import { gradeVars, pairVars, renderTemplate } from './render.js';
import { JudgeRequestError } from './request-error.js';
import { chatWithRetry, DEFAULT_RETRY, type RetryOptions } from './retry.js';
import type { JudgeTemplate } from './templates.js';

/** Options for {@link createChatJudge}. */
export interface ChatJudgeOptions {
  /** Judge id for cache keys and records. */
  id: string;
  /** Sends one request to the model. */
  chat: ChatFn;
  /** Retry policy (defaults: {@link DEFAULT_RETRY}). */
  retry?: Partial<RetryOptions>;
}

/**
 * Asks once, parses strictly, and re-asks once (showing the judge its own reply) when the reply
 * is unparsable. Re-sending the same prompt would be pointless at temperature 0.
 */
async function askParsed<T>(
  chat: ChatFn,
  messages: ChatMessage[],
  parse: (reply: ChatReply) => T | undefined,
  reask: string,
  retry: RetryOptions,
  context: JudgeContext | undefined,
  request: Omit<ChatRequestOptions, 'signal'> = {},
): Promise<JudgeOutcome & { value?: T }> {
  const tally = { requests: 0 };
  let firstRaw: string | undefined;
  try {
    const reply = await chatWithRetry(chat, messages, retry, tally, context, request);
    const value = parse(reply);
    if (value !== undefined) return { raw: reply.content, value, requests: tally.requests };
    firstRaw = reply.content;
    const followUp: ChatMessage[] = [...messages, { role: 'assistant', content: firstRaw }, { role: 'user', content: reask }];
    const reply2 = await chatWithRetry(chat, followUp, retry, tally, context, request);
    const value2 = parse(reply2);
    if (value2 !== undefined) return { raw: reply2.content, firstRaw, value: value2, requests: tally.requests };
    return { raw: reply2.content, firstRaw, error: 'unparsable verdict after one re-ask', requests: tally.requests };
  } catch (err) {
    if (!(err instanceof JudgeRequestError)) throw err;
    return { raw: firstRaw ?? '', firstRaw, error: err.message, transient: true, requests: tally.requests };
  }
}

function promptMessages(template: JudgeTemplate, vars: Record<string, string>): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (template.system.trim() !== '') messages.push({ role: 'system', content: template.system });
  messages.push({ role: 'user', content: renderTemplate(template, vars) });
  return messages;
}

/**
 * A judge backed by a chat model (OpenAI-compatible endpoint or a local model): renders the
 * template, retries transport failures, parses strictly with one re-ask, and reports failures
 * in the error bucket instead of throwing.
 */
export function createChatJudge(options: ChatJudgeOptions): Judge {
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  return {
    id: options.id,
    cacheable: true,
    async pair(input: PairInput, context?: JudgeContext): Promise<PairResult> {
      const messages = promptMessages(input.template, pairVars(input));
      const format = input.template.format;
      const out = await askParsed<ParsedPair>(
        options.chat,
        messages,
        (reply) => parsePairVerdict(reply, format),
        REASK_MESSAGES[format],
        retry,
        context,
        format === 'alpaca-eval' ? { logprobs: ALPACA_EVAL_LOGPROBS } : {},
      );
      const { value, ...outcome } = out;
      if (!value) return { ...outcome, verdict: 'error' };
      const { verdict, scores, label, preference } = value;
      return { ...outcome, verdict, ...(scores ? { scores } : {}), ...(label ? { label } : {}), ...(preference !== undefined ? { preference } : {}) };
    },
    async grade(input: GradeInput, context?: JudgeContext): Promise<GradeResult> {
      const messages = promptMessages(input.template, gradeVars(input));
      const { value, ...outcome } = await askParsed(options.chat, messages, (r) => parseRating(r.content), REASK_MESSAGES.rating, retry, context);
      return { ...outcome, score: value ?? null };
    },
  };
}
