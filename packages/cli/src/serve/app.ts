import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { bearerKey } from './auth.js';
import { handleGeneration } from './completion-handler.js';
import { ApiError, toApiError } from './errors.js';
import { originGuard } from './origin-guard.js';
import { CHAT_PAGE_CSP, CHAT_PAGE_HTML } from './page.js';
import { type ServeState, aliasList, createServeState } from './state.js';
import type { ServeAppOptions } from './types.js';

export interface ServeApp {
  app: Hono;
  state: ServeState;
}

/**
 * The OpenAI-compatible app over one model session (no socket: `app.fetch` / `app.request`).
 *
 * - `GET /` the λ-slider chat page; `GET /health` queue state (neither needs the key)
 * - `GET /v1/models`, `GET /v1/models/:id`
 * - `POST /v1/chat/completions`, `POST /v1/completions` (JSON or SSE with `stream: true`)
 */
export function createServeApp(options: ServeAppOptions): ServeApp {
  const state = createServeState(options);
  const app = new Hono();

  app.onError((error, c) => {
    const e = toApiError(error);
    return c.json(e.body, e.status);
  });
  app.notFound((c) => c.json(new ApiError(404, `no route for ${c.req.method} ${c.req.path}`, 'not_found').body, 404));
  // First, before any route: a foreign Host (DNS rebinding) or a cross-site page gets 403 for every path.
  if (options.origin) app.use('*', originGuard(options.origin));

  app.get('/', (c) =>
    c.html(CHAT_PAGE_HTML, 200, {
      'Content-Security-Policy': CHAT_PAGE_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    }),
  );
  app.get('/health', (c) =>
    c.json({ status: state.shuttingDown ? 'shutting_down' : 'ok', model: state.modelId, queue: { running: state.queue.running, waiting: state.queue.waiting, max_waiting: state.queue.maxWaiting } }),
  );

  if (options.apiKey) app.use('/v1/*', bearerKey(options.apiKey));
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: state.maxBodyBytes,
      onError: (c) => c.json(new ApiError(413, `the request body is larger than ${state.maxBodyBytes} bytes (--max-body-bytes)`, 'request_too_large').body, 413),
    }),
  );

  // One entry per name that selects the model (its id, then aliases such as `default`), as vLLM lists
  // --served-model-name; `root` is the model's own id.
  const model = (id: string) => ({
    id,
    root: state.modelId,
    object: 'model' as const,
    created: state.created,
    owned_by: 'aligndial',
    max_model_len: state.contextLength,
    aligndial: {
      lambda: { supported: state.support.lambda, default: state.defaultSteering.lambda ?? null },
      alignez: { supported: state.support.alignez, enabled: state.defaultSteering.edits ?? null, strength: state.defaultSteering.editStrength ?? null },
      max_tokens: state.maxTokens,
      max_queue: state.queue.maxWaiting,
    },
  });
  app.get('/v1/models', (c) => c.json({ object: 'list', data: state.modelIds.map(model) }));
  app.get('/v1/models/:id{.+}', (c) => {
    const id = c.req.param('id');
    if (!state.modelIds.includes(id)) return c.json(new ApiError(404, `The model "${id}" does not exist; this server serves "${state.modelId}" (also as ${aliasList(state)})`, 'model_not_found', 'model').body, 404);
    return c.json(model(id));
  });
  app.post('/v1/chat/completions', (c) => handleGeneration(c, state, 'chat'));
  app.post('/v1/completions', (c) => handleGeneration(c, state, 'completion'));
  return { app, state };
}
