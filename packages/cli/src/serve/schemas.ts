import { MAX_ABS_LAMBDA } from '@aligndial/clm';
import { type ChatMessage, REPETITION_PENALTY_RANGE } from '@aligndial/core';
import { z } from 'zod';
import { ApiError } from './errors.js';

/*
 * Request bodies of /v1/chat/completions and /v1/completions (OpenAI's fields, plus aligndial's
 * `lambda` and `alignez`). Unknown fields are ignored, as vLLM does; fields that would change the
 * answer in a way this server cannot honour (n > 1, logprobs, tools, penalties ≠ 0) are refused.
 */

const finite = z.number(); // zod 4 refuses NaN and ±Infinity (JSON `1e999` parses to Infinity)
const nonEmptyStop = z.string().min(1, { error: 'stop strings must not be empty' });
const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);

const alignezSchema = z.strictObject({
  enabled: optional(z.boolean()),
  strength: optional(finite),
});

/** vLLM's per-request extension dict; aligndial reads `lambda`, `alignez` and `alignez_strength` from it. */
const vllmXargsSchema = z.record(z.string(), z.union([z.string(), finite, z.boolean()]));

const common = {
  model: z.string().min(1),
  temperature: optional(finite.min(0).max(2)),
  top_p: optional(finite.gt(0).max(1)),
  top_k: optional(z.int().min(-1)),
  repetition_penalty: optional(finite.min(REPETITION_PENALTY_RANGE.min).max(REPETITION_PENALTY_RANGE.max)),
  seed: optional(z.int()),
  // An empty stop string matches at once: every answer would be empty.
  stop: optional(z.union([nonEmptyStop, z.array(nonEmptyStop).max(4)])),
  stream: optional(z.boolean()),
  stream_options: optional(z.looseObject({ include_usage: optional(z.boolean()) })),
  n: optional(z.literal(1, { error: 'only n = 1 is supported' })),
  presence_penalty: optional(z.literal(0, { error: 'presence_penalty is not supported (only 0)' })),
  frequency_penalty: optional(z.literal(0, { error: 'frequency_penalty is not supported (only 0)' })),
  max_tokens: optional(z.int().min(1)),
  lambda: optional(finite.min(-MAX_ABS_LAMBDA).max(MAX_ABS_LAMBDA)),
  alignez: optional(alignezSchema),
  vllm_xargs: optional(vllmXargsSchema),
  user: optional(z.string()),
};

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });

const messageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(contentPart), z.null()]),
  name: optional(z.string()),
});

export const chatCompletionRequestSchema = z.looseObject({
  ...common,
  messages: z.array(messageSchema).min(1),
  max_completion_tokens: optional(z.int().min(1)),
  logprobs: optional(z.literal(false, { error: 'logprobs are not supported' })),
  tools: optional(z.array(z.unknown()).max(0, { error: 'tools are not supported' })),
  response_format: optional(z.looseObject({ type: z.literal('text', { error: 'only response_format {"type":"text"} is supported' }) })),
});

export const completionRequestSchema = z.looseObject({
  ...common,
  prompt: z.union([
    z.string(),
    z.array(z.string()).length(1, { error: 'only one prompt per request is supported' }),
    z.array(z.int().min(0)).min(1),
    z.array(z.array(z.int().min(0)).min(1)).length(1, { error: 'only one prompt per request is supported' }),
  ]),
  echo: optional(z.literal(false, { error: 'echo is not supported' })),
  suffix: optional(z.null()),
  best_of: optional(z.literal(1, { error: 'only best_of = 1 is supported' })),
  logprobs: optional(z.literal(0, { error: 'logprobs are not supported' })),
});

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

/** A validated request in the terms `generate` uses. */
export interface GenerationRequest {
  kind: 'chat' | 'completion';
  model: string;
  /** A chat, raw text (BOS added), or token ids (used as given). */
  prompt: ChatMessage[] | string | number[];
  /** Asked-for completion tokens at most (undefined: as many as fit, up to the server's cap). */
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  repetitionPenalty?: number;
  seed?: number;
  stop: string[];
  stream: boolean;
  includeUsage: boolean;
  /** λ asked for (top-level `lambda` or `vllm_xargs.lambda`). */
  lambda?: number;
  /** AlignEZ asked for (`alignez` or `vllm_xargs.alignez` / `alignez_strength`). */
  alignez: { enabled?: boolean; strength?: number };
}

function validate<T>(schema: z.ZodType<T>, body: unknown): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'the request body must be a JSON object', 'invalid_json');
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue.path.map(String).join('.') || null;
  // Name the value the client sent, so `lambda: "NaN"` or `max_tokens: 0` is obvious in the message.
  const message = param ? `${param}: ${issue.message}` : issue.message;
  const missing = issue.code === 'invalid_type' && valueAt(body, issue.path) === undefined;
  throw new ApiError(400, message, missing ? 'missing_required_parameter' : 'invalid_value', param);
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const key of path) v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

export function parseChatCompletionRequest(body: unknown): GenerationRequest {
  const r = validate(chatCompletionRequestSchema, body);
  if (r.max_tokens !== undefined && r.max_completion_tokens !== undefined && r.max_tokens !== r.max_completion_tokens) {
    throw new ApiError(400, 'max_tokens and max_completion_tokens differ; send one of them', 'invalid_value', 'max_completion_tokens');
  }
  const messages: ChatMessage[] = r.messages.map((m, i) => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content: messageText(m.content, i),
  }));
  return { ...commonFields(r), kind: 'chat', prompt: messages, maxTokens: r.max_completion_tokens ?? r.max_tokens };
}

export function parseCompletionRequest(body: unknown): GenerationRequest {
  const r = validate(completionRequestSchema, body);
  const p = r.prompt;
  const prompt = typeof p === 'string' ? p : typeof p[0] === 'string' ? (p[0] as string) : Array.isArray(p[0]) ? (p[0] as number[]) : (p as number[]);
  if (prompt === '') throw new ApiError(400, 'prompt: must not be empty', 'invalid_value', 'prompt');
  return { ...commonFields(r), kind: 'completion', prompt, maxTokens: r.max_tokens };
}

function messageText(content: string | { type: string; text?: string }[] | null, index: number): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part, j) => {
      if (part.type !== 'text' || typeof part.text !== 'string') {
        throw new ApiError(400, `messages.${index}.content.${j}: only text parts are supported, got type "${part.type}"`, 'invalid_value', `messages.${index}.content`);
      }
      return part.text;
    })
    .join('');
}

type CommonFields = Omit<GenerationRequest, 'kind' | 'prompt' | 'maxTokens'>;

function commonFields(r: ChatCompletionRequest | CompletionRequest): CommonFields {
  const xargs = r.vllm_xargs ?? {};
  const xLambda = xargs.lambda === undefined ? undefined : xargNumber(xargs.lambda, 'lambda');
  if (xLambda !== undefined && Math.abs(xLambda) > MAX_ABS_LAMBDA) {
    throw new ApiError(400, `vllm_xargs.lambda: must be between -${MAX_ABS_LAMBDA} and ${MAX_ABS_LAMBDA}, got ${xLambda}`, 'invalid_value', 'vllm_xargs.lambda');
  }
  if (r.lambda !== undefined && xLambda !== undefined && r.lambda !== xLambda) {
    throw new ApiError(400, `lambda (${r.lambda}) and vllm_xargs.lambda (${xLambda}) differ; send one of them`, 'invalid_value', 'lambda');
  }
  const xEnabled = xargs.alignez === undefined ? undefined : xargBoolean(xargs.alignez, 'alignez');
  const xStrength = xargs.alignez_strength === undefined ? undefined : xargNumber(xargs.alignez_strength, 'alignez_strength');
  return {
    model: r.model,
    temperature: r.temperature,
    topP: r.top_p,
    topK: r.top_k === -1 ? 0 : r.top_k,
    repetitionPenalty: r.repetition_penalty,
    seed: r.seed,
    stop: r.stop === undefined ? [] : typeof r.stop === 'string' ? [r.stop] : r.stop,
    stream: r.stream ?? false,
    includeUsage: r.stream_options?.include_usage ?? false,
    lambda: r.lambda ?? xLambda,
    alignez: { enabled: r.alignez?.enabled ?? xEnabled, strength: r.alignez?.strength ?? xStrength },
  };
}

/** vllm_xargs values may arrive as strings (`--extra-body` from shells); they must still be finite numbers. */
function xargNumber(value: string | number | boolean, key: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) throw new ApiError(400, `vllm_xargs.${key}: expected a finite number, got ${JSON.stringify(value)}`, 'invalid_value', `vllm_xargs.${key}`);
  return n;
}

function xargBoolean(value: string | number | boolean, key: string): boolean {
  if (value === true || value === 'true' || value === 1) return true;
  if (value === false || value === 'false' || value === 0) return false;
  throw new ApiError(400, `vllm_xargs.${key}: expected true or false, got ${JSON.stringify(value)}`, 'invalid_value', `vllm_xargs.${key}`);
}
