import { tf } from '@aligndial/core';
import OpenAI, { APIError } from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServe } from '../commands/serve.js';
import { createProgram } from '../program.js';
import type { ModelSession } from '../model-session.js';
import { type RunningServer, startServer } from './server.js';
import { gate, openTinySession, steerableSession, waitFor } from './test-fixtures.js';

// The real server on 127.0.0.1 port 0, driven by the official openai client.
let dir: string;
let session: ModelSession;
const servers: RunningServer[] = [];

beforeAll(async () => {
  ({ dir, session } = await openTinySession());
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close({ graceMs: 0 })));
  session.dispose();
});

async function start(options: Partial<Parameters<typeof startServer>[0]> = {}): Promise<{ server: RunningServer; client: OpenAI }> {
  const server = await startServer({ session: steerableSession(session), modelId: 'tiny', port: 0, ...options });
  servers.push(server);
  return { server, client: new OpenAI({ baseURL: `${server.url}/v1`, apiKey: options.apiKey ?? 'unused', maxRetries: 0, timeout: 20_000 }) };
}

/** aligndial's own request fields (`lambda`, `alignez`) ride along with OpenAI's. */
type Steered = { lambda?: number; alignez?: { enabled?: boolean; strength?: number } };
const messages = [{ role: 'user' as const, content: 'Tell me a story.' }];

describe('aligndial serve with the openai client', () => {
  it('binds 127.0.0.1 on a free port; chat, streaming and completions agree with generate()', async () => {
    const fake = steerableSession(session);
    const { server, client } = await start({ session: fake });
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(['tiny', 'default']);

    const params: ChatCompletionCreateParamsNonStreaming & Steered = { model: 'tiny', messages, max_tokens: 16, temperature: 0, lambda: 1.5 };
    const reply = await client.chat.completions.create(params);
    const expected = await session.generate([messages], { maxNewTokens: 16, temperature: 0 });
    expect(reply.choices[0].message.content).toBe(expected.sequences[0].text);
    expect(reply.choices[0].finish_reason).toBe(expected.sequences[0].finishReason === 'length' ? 'length' : 'stop');
    expect(reply.usage).toEqual({ prompt_tokens: expected.promptTokens, completion_tokens: expected.generatedTokens, total_tokens: expected.promptTokens + expected.generatedTokens });

    const streamParams: ChatCompletionCreateParamsStreaming & Steered = { ...params, stream: true, stream_options: { include_usage: true }, lambda: 0.5, alignez: { enabled: false } };
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of await client.chat.completions.create(streamParams)) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(expected.sequences[0].text);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(expected.generatedTokens);
    expect(fake.calls.map((c) => c.steering)).toEqual([{ lambda: 1.5 }, { lambda: 0.5, edits: false }]);

    const completion = await client.completions.create({ model: 'tiny', prompt: 'Once upon a time', max_tokens: 10, temperature: 0 });
    expect(completion.choices[0].text).toBe((await session.generate(['Once upon a time'], { maxNewTokens: 10, temperature: 0 })).sequences[0].text);
    let streamed = '';
    for await (const part of await client.completions.create({ model: 'tiny', prompt: 'Once upon a time', max_tokens: 10, temperature: 0, stream: true })) streamed += part.choices[0]?.text ?? '';
    expect(streamed).toBe(completion.choices[0].text);
  });

  it('turns bad requests into APIErrors with status 400 and the OpenAI error fields', async () => {
    const { client } = await start({ session, maxTokens: 64 }); // a session without a CLM adapter
    const fails = async (p: Promise<unknown>) => p.then(() => { throw new Error('expected a 400'); }, (e: unknown) => e as APIError);
    const unknownModel = await fails(client.chat.completions.create({ model: 'gpt-4o', messages }));
    expect(unknownModel).toBeInstanceOf(APIError);
    expect(unknownModel).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'model_not_found', param: 'model' });
    expect(await fails(client.chat.completions.create({ model: 'tiny', messages, max_tokens: 65 }))).toMatchObject({ status: 400, param: 'max_tokens' });
    const nan = await fails(client.chat.completions.create({ model: 'tiny', messages, lambda: 'NaN' } as ChatCompletionCreateParamsNonStreaming));
    expect(nan).toMatchObject({ status: 400, param: 'lambda' });
    const noAdapter = await fails(client.chat.completions.create({ model: 'tiny', messages, stream: true, lambda: 1 } as ChatCompletionCreateParamsStreaming));
    expect(noAdapter).toMatchObject({ status: 400 });
    expect((noAdapter as APIError).message).toContain('CLM adapter');
    const badJson = await fetch(`${client.baseURL}/chat/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"model":' });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
  });

  it('serves concurrent streams one at a time, in full; a full queue answers 429', async () => {
    const held = gate();
    let first = true;
    const { server, client } = await start({
      maxQueue: 2,
      beforeGenerate: () => {
        if (first) {
          first = false;
          return held.promise;
        }
      },
    });
    const stream = async (lambda: number) => {
      const params: ChatCompletionCreateParamsStreaming & Steered = { model: 'tiny', messages, max_tokens: 24, temperature: 0, stream: true, lambda };
      let text = '';
      let finish: string | null = null;
      for await (const chunk of await client.chat.completions.create(params)) {
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      return { text, finish };
    };
    const a = stream(0);
    await waitFor(() => server.state.queue.running === 1);
    const b = stream(1);
    const c = stream(2);
    await waitFor(() => server.state.queue.waiting === 2);
    const refused = await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 4 }).catch((e: APIError) => e);
    expect(refused).toMatchObject({ status: 429, type: 'rate_limit_error', code: 'queue_full' });
    expect((refused as APIError).headers?.get('retry-after')).toBe('1');
    held.open();
    const results = await Promise.all([a, b, c]);
    const expected = (await session.generate([messages], { maxNewTokens: 24, temperature: 0 })).sequences[0].text;
    for (const r of results) expect(r).toEqual({ text: expected, finish: 'length' });
    expect(server.state.queue.peakActive).toBe(1);
    expect(server.state.requests.filter((r) => r.status === 200).map((r) => r.lambda)).toEqual([0, 1, 2]);
  });

  it('stops generating when the client disconnects, frees the slot, and leaks no tensors', async () => {
    const { server, client } = await start({ session: steerableSession(session, { delayMs: 5 }) });
    await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 2 }); // warm-up
    const tensors = tf.memory().numTensors;
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 400, temperature: 1, stream: true }, { signal: controller.signal });
    let chunks = 0;
    // The openai client ends the iteration quietly when its request is aborted.
    for await (const _ of stream) if (++chunks === 3) controller.abort();
    expect(chunks).toBe(3);
    await waitFor(() => server.state.requests.length === 2);
    const record = server.state.requests[1];
    expect(record).toMatchObject({ finishReason: 'aborted', status: 499, stream: true });
    expect(record.completionTokens).toBeLessThan(100);
    // The slot is free: the next request runs at once.
    const next = await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 3 });
    expect(next.usage?.completion_tokens).toBe(3);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('requires the bearer key when started with one', async () => {
    const { server, client } = await start({ apiKey: 'test-key-123' });
    expect((await client.models.list()).data).toHaveLength(2);
    const wrong = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'nope', maxRetries: 0 });
    await expect(wrong.chat.completions.create({ model: 'tiny', messages, max_tokens: 2 })).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    expect((await fetch(`${server.url}/`)).status).toBe(200); // the page loads; it asks for the key
  });

  it('shuts down gracefully: the running answer finishes, new ones get 503, then the port closes', async () => {
    const { server, client } = await start({ session: steerableSession(session, { delayMs: 3 }) });
    const params: ChatCompletionCreateParamsStreaming = { model: 'tiny', messages, max_tokens: 40, temperature: 0, stream: true };
    const running = (async () => {
      let n = 0;
      let finish: string | null = null;
      for await (const chunk of await client.chat.completions.create(params)) {
        n += chunk.choices[0]?.delta.content === undefined ? 0 : 1;
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      return { n, finish };
    })();
    await waitFor(() => server.state.queue.running === 1);
    const closed = server.close({ graceMs: 10_000 });
    expect((await fetch(`${server.url}/v1/models`).catch(() => undefined))?.status ?? 'refused').not.toBe(200);
    expect(await running).toMatchObject({ finish: 'length' });
    await closed;
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    // A short grace cuts a long answer off instead.
    const { server: s2, client: c2 } = await start({ session: steerableSession(session, { delayMs: 3 }) });
    const cut = (async () => {
      for await (const _ of await c2.chat.completions.create({ ...params, max_tokens: 400 })) {
        // read until the server ends the stream
      }
    })().then(
      () => undefined,
      (error: unknown) => error, // caught at once: the wasm backend turns an unhandled rejection into a crash
    );
    await waitFor(() => s2.state.queue.running === 1);
    await s2.close({ graceMs: 50 });
    expect(await cut).toMatchObject({ code: 'server_shutting_down', message: expect.stringContaining('shutting down') });
    expect(s2.state.requests[0]).toMatchObject({ finishReason: 'aborted', status: 503 });
  });

  it('`aligndial serve` is registered with its flags (127.0.0.1 by default)', () => {
    const serve = createProgram().commands.find((c) => c.name() === 'serve');
    expect(serve).toBeDefined();
    const flags = Object.fromEntries(serve!.options.map((o) => [o.long, o.defaultValue]));
    expect(flags).toMatchObject({ '--model': undefined, '--host': '127.0.0.1', '--port': 8000, '--max-queue': 16, '--max-new-tokens': 1024 });
    expect(Object.keys(flags)).toEqual(expect.arrayContaining(['--api-key', '--lambda', '--edit-strength', '--max-body-bytes', '--shutdown-grace']));
  });

  it('`aligndial serve` opens the model, logs requests, and stops on its signal', async () => {
    const stop = new AbortController();
    const lines: string[] = [];
    const stderr = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream;
    let url = '';
    const done = runServe(
      { model: dir, backend: 'wasm', host: '127.0.0.1', port: 0, maxQueue: 4, maxNewTokens: 32, maxBodyBytes: 65536, shutdownGrace: 1 },
      { stop: stop.signal, stderr, onListening: (s) => (url = s.url) },
    );
    await waitFor(() => url !== '');
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
    expect((await client.models.list()).data[0].id).toBe('tiny');
    await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 3 });
    stop.abort();
    await done;
    const log = lines.join('');
    expect(log).toContain(`on ${url}`);
    expect(log).toMatch(/200 chat λ=- alignez=- tokens=\d+\+3 length/);
    expect(log).toContain('stopped');
  });
});
