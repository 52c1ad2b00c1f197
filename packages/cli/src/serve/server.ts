import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AligndialError } from '@aligndial/core';
import { serve } from '@hono/node-server';
import { type ServeApp, createServeApp } from './app.js';
import { ApiError } from './errors.js';
import type { ServeAppOptions } from './types.js';

export interface StartServerOptions extends ServeAppOptions {
  /** Interface to bind (default 127.0.0.1: this machine only). */
  host?: string;
  /** TCP port; 0 picks a free one (default 8000). */
  port?: number;
  /** Browser origins whose pages may call the API (`--allow-origin`); others get 403. */
  allowOrigins?: readonly string[];
  /**
   * Longest time a client may take to send a whole request, headers and body (default 30 s); then it
   * gets 408 and the connection is closed, so a client that never finishes its body cannot hold a
   * connection forever. Answers (streams included) may take as long as they need.
   */
  requestTimeoutMs?: number;
}

export interface RunningServer extends ServeApp {
  /** e.g. `http://127.0.0.1:8000` (the chat page; the API is under `/v1`). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /**
   * Graceful shutdown: refuse new requests (503) and connections, let the running answer finish
   * for up to `graceMs` (default 10 s; then it is cut off), close connections, resolve.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

/** Starts the OpenAI-compatible server on host:port; resolves once it listens. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  let boundPort = options.port ?? 8000;
  const { app, state } = createServeApp({ ...options, origin: { host, port: () => boundPort, allowOrigins: options.allowOrigins } });
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const server = await new Promise<Server>((resolve, reject) => {
    // Node checks the request timers every connectionsCheckingInterval (default 30 s): keep it below the timeout.
    const serverOptions = { requestTimeout, headersTimeout: Math.min(requestTimeout, 10_000), connectionsCheckingInterval: Math.max(50, Math.min(1000, requestTimeout / 4)) };
    const s = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 8000, serverOptions }, () => {
      s.off('error', reject);
      resolve(s as Server);
    }) as Server;
    s.once('error', (error: NodeJS.ErrnoException) =>
      reject(new AligndialError(`cannot listen on ${host}:${options.port ?? 8000}: ${error.code ?? error.message}`, { hint: error.code === 'EADDRINUSE' ? 'choose another --port (0 = any free port)' : undefined })),
    );
  });
  const { port } = server.address() as AddressInfo;
  boundPort = port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;

  const close = ({ graceMs = 10_000 } = {}): Promise<void> => {
    closing ??= (async () => {
      state.shuttingDown = true;
      state.queue.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const cutOff = setTimeout(() => state.shutdown.abort(new ApiError(503, 'the server is shutting down', 'server_shutting_down')), graceMs);
      await state.queue.whenIdle();
      clearTimeout(cutOff);
      // Keep-alive connections go as soon as their response is done; stragglers after a second.
      const sweep = setInterval(() => server.closeIdleConnections(), 25);
      const hard = setTimeout(() => server.closeAllConnections(), 1000);
      server.closeIdleConnections();
      await closed;
      clearInterval(sweep);
      clearTimeout(hard);
    })();
    return closing;
  };

  return { app, state, url, host, port, close };
}
