import type { Steering } from '../model-session.js';
import { GenerationQueue } from './queue.js';
import { probeSteeringSupport } from './steering.js';
import type { RequestRecord, ServeAppOptions, ServeSession, SteeringSupport } from './types.js';

/**
 * Names a request's `model` may also use for the one served model. `default` lets a client (or the README's
 * curl) talk to any aligndial server without first asking GET /v1/models for its id.
 */
export const MODEL_ID_ALIASES: readonly string[] = ['default'];

/** Everything the routes share: the one model, its queue, limits, and the request log. */
export interface ServeState {
  readonly session: ServeSession;
  readonly modelId: string;
  /** Every name that selects the model: its id, then the aliases (as /v1/models lists them). */
  readonly modelIds: readonly string[];
  readonly created: number;
  readonly defaultSteering: Steering;
  readonly support: SteeringSupport;
  readonly queue: GenerationQueue;
  readonly maxTokens: number;
  readonly contextLength: number;
  readonly maxBodyBytes: number;
  /** Recent generation requests, oldest first (at most `logLimit`). */
  readonly requests: RequestRecord[];
  /** Set by shutdown: new requests get 503. */
  shuttingDown: boolean;
  /** Aborted when shutdown stops waiting for running requests. */
  readonly shutdown: AbortController;
  readonly options: ServeAppOptions;
  log(record: RequestRecord): void;
}

export function createServeState(options: ServeAppOptions): ServeState {
  const contextLength = options.contextLength ?? options.session.model?.config.maxPositionEmbeddings ?? 2048;
  const logLimit = options.logLimit ?? 200;
  const requests: RequestRecord[] = [];
  return {
    session: options.session,
    modelId: options.modelId,
    modelIds: [options.modelId, ...MODEL_ID_ALIASES.filter((a) => a !== options.modelId)],
    created: Math.floor(Date.now() / 1000),
    defaultSteering: options.defaultSteering ?? {},
    support: options.steeringSupport ?? probeSteeringSupport(options.session),
    queue: new GenerationQueue(options.maxQueue ?? 16, 1),
    maxTokens: options.maxTokens ?? 1024,
    contextLength,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    requests,
    shuttingDown: false,
    shutdown: new AbortController(),
    options,
    log(record) {
      requests.push(record);
      if (requests.length > logLimit) requests.splice(0, requests.length - logLimit);
      options.onRequest?.(record);
    },
  };
}

/** The aliases of the served model, quoted, for error messages. */
export function aliasList(state: Pick<ServeState, 'modelIds'>): string {
  return state.modelIds.slice(1).map((id) => `"${id}"`).join(', ');
}
