import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TokenLogprob } from '../judge/chat.js';

/** What the fake endpoint received in one request. */
export interface FakeRequest {
  body: {
    model: string;
    temperature: number;
    messages: Array<{ role: string; content: string }>;
    max_tokens?: number;
    logprobs?: boolean;
    top_logprobs?: number;
  };
  authorization: string;
}

/** Sends the response: status, JSON text, extra headers. Calling it after the client left is a no-op. */
export type FakeSend = (status: number, payload: string, headers?: Record<string, string>) => void;

/** A fake OpenAI-compatible chat endpoint on 127.0.0.1, for judge tests. */
export interface FakeOpenAI {
  /** Base URL ending in `/v1`, for `openai:MODEL@URL`. */
  url: string;
  /** Every request received, in arrival order. */
  requests: FakeRequest[];
  close(): Promise<void>;
}

/**
 * Starts a fake `POST /v1/chat/completions` endpoint; `respond` decides each reply (it may send
 * later, to simulate a slow server).
 */
export async function startFakeOpenAI(respond: (request: FakeRequest, send: FakeSend) => void): Promise<FakeOpenAI> {
  const requests: FakeRequest[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const request: FakeRequest = { body: JSON.parse(text), authorization: String(req.headers.authorization) };
      requests.push(request);
      respond(request, (status, payload, headers = {}) => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(payload);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A chat-completion response body with one choice, optionally with the first token's top logprobs. */
export function chatCompletionBody(content: string, topLogprobs?: TokenLogprob[]): string {
  return JSON.stringify({
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 0,
    model: 'judge-model',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content },
        finish_reason: 'stop',
        logprobs: topLogprobs ? { content: [{ token: content, logprob: 0, bytes: null, top_logprobs: topLogprobs }] } : null,
      },
    ],
  });
}
