import type { ChatMessage, StepDecoder, TokenDecoder } from '@aligndial/core';
import type { DecoderContext, Steering } from '../model-session.js';
import type { OriginGuardOptions } from './origin-guard.js';

export type { DecoderContext };

/**
 * The part of a ModelSession (../model-session.ts) the server uses. A ModelSession is one;
 * tests pass a fake whose `createDecoder` records the steering it receives.
 */
export interface ServeSession {
  readonly tokenizer: TokenDecoder & {
    readonly eosTokenIds: readonly number[];
    /** Characters that surely hold more than `tokens` tokens (core Tokenizer.charBudget): longer prompts are refused untokenized. */
    charBudget?(tokens: number): number;
  };
  readonly defaults: {
    eosTokenIds: readonly number[];
    temperature?: number;
    topK?: number;
    topP?: number;
    repetitionPenalty?: number;
  };
  readonly model?: { readonly config: { readonly maxPositionEmbeddings: number } };
  encodePrompt(prompt: string | readonly ChatMessage[]): number[];
  /** Throws an AligndialError (→ HTTP 400) when the steering cannot be honoured, e.g. λ without an adapter. */
  createDecoder(steering?: Steering, context?: DecoderContext): StepDecoder;
  /** Which steering the session can apply; when absent the server probes `createDecoder` once at start. */
  readonly steeringSupport?: SteeringSupport;
}

export interface SteeringSupport {
  lambda: boolean;
  alignez: boolean;
}

/** One generation request as the server saw it (the request log; newest last). */
export interface RequestRecord {
  id: string;
  endpoint: 'chat' | 'completion';
  stream: boolean;
  /** The λ passed to the decoder (request, else the server's default); null: none (the base model). */
  lambda: number | null;
  alignez: { enabled: boolean | null; strength: number | null };
  promptTokens: number;
  completionTokens: number;
  /** OpenAI's finish_reason, or `aborted` (client went away / shutdown) or `error`. */
  finishReason: 'stop' | 'length' | 'aborted' | 'error' | null;
  status: number;
  error?: string;
  startedAt: number;
  durationMs: number;
}

/** Options of {@link createServeApp} (./app.ts). */
export interface ServeAppOptions {
  session: ServeSession;
  /** The id clients send as `model` and `/v1/models` lists first (answers name it). */
  modelId: string;
  /** Steering for requests that do not ask (from the command line: `--lambda`, `--alignez-strength`). */
  defaultSteering?: Steering;
  /** Requests waiting behind the running one before 429 (default 16). */
  maxQueue?: number;
  /** Most completion tokens one request may ask for (default 1024). */
  maxTokens?: number;
  /** Prompt + completion tokens at most (default: the model's max_position_embeddings). */
  contextLength?: number;
  /** Clients must send `Authorization: Bearer <apiKey>` to /v1/*. */
  apiKey?: string;
  /** Largest request body in bytes (default 1 MiB); larger → 413. */
  maxBodyBytes?: number;
  /** Overrides the probe of what the session's decoder supports. */
  steeringSupport?: SteeringSupport;
  /** Called once per generation request when it ends (the CLI prints a log line). */
  onRequest?: (record: RequestRecord) => void;
  /** Test hook: awaited after a request takes the queue slot, before generation starts. */
  beforeGenerate?: (record: RequestRecord) => Promise<void> | void;
  /** Records kept in `state.requests` (default 200). */
  logLimit?: number;
  /**
   * Where the server listens, for the Host/Origin checks against DNS rebinding and cross-site pages
   * (startServer sets it; an app used in-process without a socket has none).
   */
  origin?: OriginGuardOptions;
}
