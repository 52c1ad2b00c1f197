import { randomInt } from 'node:crypto';
import type { ChatMessage } from '@aligndial/core';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { ApiError, toApiError } from './errors.js';
import {
  chatChunk,
  chatCompletion,
  chatUsageChunk,
  newCompletionId,
  textCompletion,
  textUsageChunk,
  usage,
} from './openai-format.js';
import type { Release } from './queue.js';
import { type GenerationJob, runGeneration } from './run-generation.js';
import { readJsonBody } from './request-body.js';
import { type GenerationRequest, parseChatCompletionRequest, parseCompletionRequest } from './schemas.js';
import { type ServeState, aliasList } from './state.js';
import { resolveSteering } from './steering.js';
import type { RequestRecord } from './types.js';

/** Characters per token assumed when the session's tokenizer cannot say (its longest token is rarely longer). */
const FALLBACK_CHARS_PER_TOKEN = 64;

/** nginx's "client closed request": logged when a client leaves before its answer. */
const CLIENT_CLOSED = 499;

/**
 * POST /v1/chat/completions and /v1/completions: validate → take the queue slot → make the
 * steered decoder → generate (JSON, or SSE chunks ending in `data: [DONE]`) → free the slot.
 * Every failure before the first byte is an HTTP error with an OpenAI-style body.
 */
export async function handleGeneration(c: Context, state: ServeState, kind: 'chat' | 'completion'): Promise<Response> {
  const record: RequestRecord = {
    id: newCompletionId(kind),
    endpoint: kind,
    stream: false,
    lambda: null,
    alignez: { enabled: null, strength: null },
    promptTokens: 0,
    completionTokens: 0,
    finishReason: null,
    status: 200,
    startedAt: Date.now(),
    durationMs: 0,
  };
  const clientSignal = c.req.raw.signal;
  const signal = AbortSignal.any([clientSignal, state.shutdown.signal]);
  let release: Release | undefined;
  try {
    if (state.shuttingDown) throw new ApiError(503, 'the server is shutting down', 'server_shutting_down');
    const request = parseRequest(kind, await readJsonBody(c));
    record.stream = request.stream;
    if (!state.modelIds.includes(request.model)) {
      const also = state.modelIds.length > 1 ? ` (also as ${aliasList(state)})` : '';
      throw new ApiError(400, `The model "${request.model}" is not served here; this server serves "${state.modelId}"${also} (GET /v1/models)`, 'model_not_found', 'model');
    }
    const { steering, info } = resolveSteering(request, state.defaultSteering);
    record.lambda = info.lambda;
    record.alignez = info.alignez;
    const promptIds = encode(state, request);
    record.promptTokens = promptIds.length;
    const maxNewTokens = tokenBudget(state, request, promptIds.length);

    release = await state.queue.acquire(signal);
    await state.options.beforeGenerate?.(record);
    const decoder = state.session.createDecoder(steering, { promptIds, prompt: request.prompt });
    const bad = promptIds.find((id) => id >= decoder.vocabSize);
    if (bad !== undefined) {
      decoder.dispose();
      throw new ApiError(400, `prompt: token id ${bad} is outside the vocabulary (size ${decoder.vocabSize})`, 'invalid_value', 'prompt');
    }
    const job: GenerationJob = {
      promptIds,
      maxNewTokens,
      temperature: request.temperature ?? state.session.defaults.temperature ?? 1,
      topP: request.topP ?? state.session.defaults.topP,
      topK: request.topK ?? state.session.defaults.topK,
      repetitionPenalty: request.repetitionPenalty ?? state.session.defaults.repetitionPenalty,
      seed: request.seed === undefined ? randomInt(2 ** 32) : request.seed >>> 0,
      stop: request.stop,
      eosTokenIds: state.session.tokenizer.eosTokenIds.length > 0 ? state.session.tokenizer.eosTokenIds : state.session.defaults.eosTokenIds,
    };
    const meta = { id: record.id, created: Math.floor(record.startedAt / 1000), model: state.modelId, aligndial: info };
    const u = (completionTokens: number) => usage(promptIds.length, completionTokens);

    if (!request.stream) {
      const out = await runGeneration(decoder, state.session.tokenizer, job, { signal });
      record.completionTokens = out.completionTokens;
      record.finishReason = out.finishReason;
      if (out.finishReason === 'aborted') return aborted(c, record, clientSignal);
      const body = kind === 'chat' ? chatCompletion(meta, out.text, out.finishReason, u(out.completionTokens)) : textCompletion(meta, out.text, out.finishReason, u(out.completionTokens));
      state.log(finish(record));
      return c.json(body);
    }

    // The stream owns the slot from here; it frees it when generation ends, however it ends.
    const streamRelease = release;
    release = undefined;
    return streamSSE(c, async (stream) => {
      let writes = Promise.resolve();
      const send = (data: unknown) => {
        const text = typeof data === 'string' ? data : JSON.stringify(data);
        writes = writes.then(() => stream.writeSSE({ data: text })).catch(() => {});
      };
      try {
        if (kind === 'chat') send(chatChunk(meta, { role: 'assistant', content: '' }, null, request.includeUsage));
        const out = await runGeneration(decoder, state.session.tokenizer, job, {
          signal,
          onText: (delta) =>
            send(kind === 'chat' ? chatChunk(meta, { content: delta }, null, request.includeUsage) : textCompletion(meta, delta, null, request.includeUsage ? null : undefined)),
        });
        record.completionTokens = out.completionTokens;
        record.finishReason = out.finishReason;
        if (out.finishReason === 'aborted') {
          record.status = clientSignal.aborted ? CLIENT_CLOSED : 503;
          if (!clientSignal.aborted) send(new ApiError(503, 'the server is shutting down; the answer was cut short', 'server_shutting_down').body);
        } else {
          send(kind === 'chat' ? chatChunk(meta, {}, out.finishReason, request.includeUsage) : textCompletion(meta, '', out.finishReason, request.includeUsage ? null : undefined));
          if (request.includeUsage) send(kind === 'chat' ? chatUsageChunk(meta, u(out.completionTokens)) : textUsageChunk(meta, u(out.completionTokens)));
          send('[DONE]');
        }
      } catch (error) {
        const e = toApiError(error);
        record.status = e.status;
        record.error = e.message;
        record.finishReason = 'error';
        send(e.body);
      } finally {
        streamRelease();
        await writes;
        state.log(finish(record));
      }
    });
  } catch (error) {
    if (clientSignal.aborted) return aborted(c, record, clientSignal);
    const e = state.shutdown.signal.aborted && !(error instanceof ApiError) ? new ApiError(503, 'the server is shutting down', 'server_shutting_down') : toApiError(error);
    record.status = e.status;
    record.error = e.message;
    record.finishReason = 'error';
    state.log(finish(record));
    return c.json(e.body, e.status, e.status === 429 ? { 'Retry-After': '1' } : undefined);
  } finally {
    release?.();
  }

  function finish(r: RequestRecord): RequestRecord {
    r.durationMs = Date.now() - r.startedAt;
    return r;
  }

  function aborted(ctx: Context, r: RequestRecord, client: AbortSignal): Response {
    r.finishReason = 'aborted';
    const e = new ApiError(503, client.aborted ? 'the client closed the request' : 'the server is shutting down', client.aborted ? 'client_closed' : 'server_shutting_down');
    r.status = client.aborted ? CLIENT_CLOSED : 503;
    r.error = e.message;
    state.log(finish(r));
    return ctx.json(e.body, 503);
  }
}

function parseRequest(kind: 'chat' | 'completion', body: unknown): GenerationRequest {
  return kind === 'chat' ? parseChatCompletionRequest(body) : parseCompletionRequest(body);
}

/**
 * Token ids of the prompt. Tokenizing is synchronous and slow (~10 µs a character), so a prompt with more
 * characters than `contextLength` tokens can possibly span is refused *before* tokenizing: a 1 MB prompt
 * must not freeze every other request (the health probe included) for seconds.
 */
function encode(state: ServeState, request: GenerationRequest): number[] {
  const param = request.kind === 'chat' ? 'messages' : 'prompt';
  if (request.kind === 'completion' && Array.isArray(request.prompt)) return [...(request.prompt as number[])];
  const chars = typeof request.prompt === 'string' ? request.prompt.length : (request.prompt as ChatMessage[]).reduce((n, m) => n + m.content.length, 0);
  const budget = state.session.tokenizer.charBudget?.(state.contextLength) ?? state.contextLength * FALLBACK_CHARS_PER_TOKEN;
  if (chars > budget) {
    throw new ApiError(
      400,
      `This model's maximum context length is ${state.contextLength} tokens, but the prompt has ${chars} characters, more than ${state.contextLength} tokens can hold (${budget} characters at most). Please shorten the prompt.`,
      'context_length_exceeded',
      param,
    );
  }
  const ids = state.session.encodePrompt(request.prompt as string | ChatMessage[]);
  if (ids.length === 0) throw new ApiError(400, 'the prompt encodes to no tokens', 'invalid_value', request.kind === 'chat' ? 'messages' : 'prompt');
  return ids;
}

/** Completion tokens for this request: as asked (within --max-tokens and the context), else as many as fit. */
function tokenBudget(state: ServeState, request: GenerationRequest, promptTokens: number): number {
  const param = request.kind === 'chat' ? 'messages' : 'prompt';
  const room = state.contextLength - promptTokens;
  if (room < 1) {
    throw new ApiError(400, `This model's maximum context length is ${state.contextLength} tokens, but the prompt has ${promptTokens} tokens. Please shorten the prompt.`, 'context_length_exceeded', param);
  }
  const asked = request.maxTokens;
  if (asked === undefined) return Math.min(state.maxTokens, room);
  if (asked > state.maxTokens) {
    throw new ApiError(400, `max_tokens: ${asked} is more than this server allows per request (${state.maxTokens}, --max-tokens)`, 'invalid_value', 'max_tokens');
  }
  if (asked > room) {
    throw new ApiError(
      400,
      `This model's maximum context length is ${state.contextLength} tokens. However, you requested ${promptTokens + asked} tokens (${promptTokens} in the prompt, ${asked} for the completion). Please reduce the prompt or max_tokens.`,
      'context_length_exceeded',
      'max_tokens',
    );
  }
  return asked;
}
