import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { type StepDecoder, createModelDecoder, tf } from '@aligndial/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelSession } from '../model-session.js';
import { type RunningServer, startServer } from './server.js';
import { openTinySession, sseData, steerableSession } from './test-fixtures.js';

// Issue 12: the server cannot be frozen by one big prompt, nor driven from a web page, nor held open by a
// client that never finishes its body; bad bodies and values get clear 4xx answers.
let session: ModelSession;
const servers: RunningServer[] = [];

beforeAll(async () => {
  ({ session } = await openTinySession());
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close({ graceMs: 0 })));
  session.dispose();
});

async function start(options: Partial<Parameters<typeof startServer>[0]> = {}): Promise<RunningServer> {
  const server = await startServer({ session: steerableSession(session), modelId: 'tiny', port: 0, maxBodyBytes: 4 * 1024 * 1024, ...options });
  servers.push(server);
  return server;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request (node:http lets a test set Host, Origin and Content-Type freely). */
function send(server: RunningServer, method: string, path: string, options: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, method, path, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const json = { 'Content-Type': 'application/json' };
const chat = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2, ...extra });
const errorOf = (r: Reply) => (JSON.parse(r.body) as { error: { message: string; code: string; param: string | null } }).error;

describe('serve: hostile requests', () => {
  it('a 1 MB prompt is refused before tokenizing: /health answers in under 200 ms throughout', async () => {
    const server = await start();
    expect((await send(server, 'POST', '/v1/chat/completions', { headers: json, body: chat() })).status).toBe(200); // warm up
    const huge = Buffer.from(chat({ messages: [{ role: 'user', content: 'a'.repeat(1024 * 1024) }] }));
    const probes: number[] = [];
    let done = false;
    const probing = (async () => {
      while (!done) {
        const t = performance.now();
        expect((await send(server, 'GET', '/health')).status).toBe(200);
        probes.push(performance.now() - t);
      }
    })();
    for (let i = 0; i < 3; i++) {
      const r = await send(server, 'POST', '/v1/chat/completions', { headers: json, body: huge });
      expect(r.status).toBe(400);
      expect(errorOf(r)).toMatchObject({ code: 'context_length_exceeded', param: 'messages' });
      expect(errorOf(r).message).toMatch(/prompt has 1048576 characters, more than 512 tokens can hold/);
    }
    done = true;
    await probing;
    expect(probes.length).toBeGreaterThan(0);
    // Before the fix every probe waited ~6 s behind the tokenizer.
    expect(Math.max(...probes)).toBeLessThan(200);
  });

  it('refuses a foreign Host (DNS rebinding) and cross-origin pages unless --allow-origin lists them', async () => {
    const server = await start({ allowOrigins: ['http://localhost:3000'] });
    const own = `127.0.0.1:${server.port}`;
    const rebound = await send(server, 'POST', '/v1/chat/completions', { headers: { ...json, Host: `evil.example:${server.port}` }, body: chat() });
    expect(rebound.status).toBe(403);
    expect(errorOf(rebound)).toMatchObject({ code: 'forbidden_host' });
    expect((await send(server, 'GET', '/health', { headers: { Host: `evil.example:${server.port}` } })).status).toBe(403);
    expect((await send(server, 'GET', '/health', { headers: { Host: `localhost:${server.port}` } })).status).toBe(200);

    const page = await send(server, 'POST', '/v1/chat/completions', { headers: { ...json, Host: own, Origin: 'https://evil.example' }, body: chat() });
    expect(page.status).toBe(403);
    expect(errorOf(page)).toMatchObject({ code: 'forbidden_origin' });
    expect(errorOf(page).message).toMatch(/--allow-origin https:\/\/evil\.example/);
    // A no-cors request (an <img>, a form) carries no Origin but says it is cross-site.
    expect((await send(server, 'GET', '/v1/models', { headers: { Host: own, 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'no-cors' } })).status).toBe(403);
    // The chat page's own requests, a top-level navigation to it, and non-browser clients are served.
    expect((await send(server, 'POST', '/v1/chat/completions', { headers: { ...json, Host: own, Origin: `http://${own}` }, body: chat() })).status).toBe(200);
    expect((await send(server, 'GET', '/', { headers: { Host: own, 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate' } })).status).toBe(200);
    expect((await send(server, 'POST', '/v1/chat/completions', { headers: json, body: chat() })).status).toBe(200);

    const listed = await send(server, 'POST', '/v1/chat/completions', { headers: { ...json, Host: own, Origin: 'http://localhost:3000' }, body: chat() });
    expect(listed.status).toBe(200);
    expect(listed.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    const preflight = await send(server, 'OPTIONS', '/v1/chat/completions', { headers: { Host: own, Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Content-Type/);
  });

  it('requires application/json: a text/plain body (sendable cross-site without preflight) gets 415', async () => {
    const server = await start();
    const r = await send(server, 'POST', '/v1/chat/completions', { headers: { 'Content-Type': 'text/plain' }, body: chat() });
    expect(r.status).toBe(415);
    expect(errorOf(r)).toMatchObject({ code: 'unsupported_media_type' });
    expect((await send(server, 'POST', '/v1/completions', { body: JSON.stringify({ model: 'tiny', prompt: 'x' }) })).status).toBe(415);
    expect((await send(server, 'POST', '/v1/chat/completions', { headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: chat() })).status).toBe(200);
  });

  it('invalid UTF-8 and broken JSON bodies name the position; empty stop strings and huge λ are refused', async () => {
    const server = await start();
    const bad = Buffer.concat([Buffer.from('{"model":"tiny","messages":[{"role":"user",\n"content":"a'), Buffer.from([0xff]), Buffer.from('"}]}')]);
    const utf8 = await send(server, 'POST', '/v1/chat/completions', { headers: json, body: bad });
    expect(utf8.status).toBe(400);
    expect(errorOf(utf8)).toMatchObject({ code: 'invalid_utf8' });
    expect(errorOf(utf8).message).toMatch(/^request body:2:13: invalid UTF-8/);
    const syntax = await send(server, 'POST', '/v1/chat/completions', { headers: json, body: '{\n "model": }' });
    expect(errorOf(syntax)).toMatchObject({ code: 'invalid_json' });
    expect(errorOf(syntax).message).toMatch(/^request body:2:11: invalid JSON/);
    expect(errorOf(await send(server, 'POST', '/v1/chat/completions', { headers: json, body: chat({ stop: '' }) }))).toMatchObject({ param: 'stop' });
    expect(errorOf(await send(server, 'POST', '/v1/chat/completions', { headers: json, body: chat({ lambda: 1e308 }) }))).toMatchObject({ param: 'lambda' });
    expect(errorOf(await send(server, 'POST', '/v1/chat/completions', { headers: json, body: chat({ repetition_penalty: 1e-300 }) }))).toMatchObject({ param: 'repetition_penalty' });
  });

  it('a client that never finishes its body is cut off (408), while a long stream is not', async () => {
    const server = await start({ requestTimeoutMs: 400, session: steerableSession(session, { delayMs: 60 }) });
    const started = performance.now();
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(server.port, '127.0.0.1', () => {
        socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model":`);
      });
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('close', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(performance.now() - started).toBeLessThan(5000);

    // 20 tokens at ≥ 60 ms each: the stream outlives the request timeout and still ends with [DONE].
    const stream = await send(server, 'POST', '/v1/chat/completions', { headers: json, body: chat({ max_tokens: 20, stream: true }) });
    expect(stream.status).toBe(200);
    expect(sseData(stream.body).at(-1)).toBe('[DONE]');
  });

  it('NaN logits end generation with an error naming the cause, not a 200 with empty text', async () => {
    const nan: StepDecoder = { vocabSize: 300, next: (ids) => tf.fill([ids.length, 300], Number.NaN) as tf.Tensor2D, dispose() {} };
    const base = steerableSession(session);
    const server = await start({ session: { ...base, createDecoder: () => nan } });
    const r = await send(server, 'POST', '/v1/chat/completions', { headers: json, body: chat() });
    expect(r.status).toBe(400);
    expect(errorOf(r).message).toMatch(/logits at step 0 \(row 0\) contain NaN or ∞/);
    const s = await send(server, 'POST', '/v1/chat/completions', { headers: json, body: chat({ stream: true }) });
    expect(sseData(s.body).some((d) => /contain NaN or ∞/.test(d))).toBe(true);
    expect(sseData(s.body)).not.toContain('[DONE]');
    void createModelDecoder;
  });
});
