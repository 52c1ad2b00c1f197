import { tf } from '@aligndial/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelSession } from '../model-session.js';
import { createServeApp } from './app.js';
import { CHAT_PAGE_CSP } from './page.js';
import { openTinySession, sseData, steerableSession } from './test-fixtures.js';

// Socket-free checks with hono's app.request().
let session: ModelSession;

beforeAll(async () => {
  ({ session } = await openTinySession());
});
afterAll(() => session.dispose());

const post = (app: ReturnType<typeof createServeApp>['app'], path: string, body: unknown, headers: Record<string, string> = {}) =>
  app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

// Response bodies are checked field by field.
const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();

const hi = { model: 'tiny', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 8, temperature: 0 };

describe('serve app (no socket)', () => {
  it('serves the page with a strict CSP and lists the model with its steering capabilities', async () => {
    const { app } = createServeApp({ session, modelId: 'tiny', defaultSteering: { lambda: 0.5 } });
    const page = await app.request('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CHAT_PAGE_CSP);
    const html = await page.text();
    expect(html).toContain('id="lambda"');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//); // nothing from elsewhere
    const models = await (await app.request('/v1/models')).json();
    expect(models).toMatchObject({
      object: 'list',
      data: [
        { id: 'tiny', root: 'tiny', object: 'model', owned_by: 'aligndial', max_model_len: 512, aligndial: { lambda: { supported: false, default: 0.5 }, alignez: { supported: false } } },
        { id: 'default', root: 'tiny', object: 'model', max_model_len: 512 },
      ],
    });
    expect((await app.request('/v1/models/tiny')).status).toBe(200);
    expect(await json(app.request('/v1/models/default'))).toMatchObject({ id: 'default', root: 'tiny' });
    expect((await app.request('/v1/models/other')).status).toBe(404);
    expect(await (await app.request('/nope')).json()).toMatchObject({ error: { type: 'not_found_error' } });
  });

  it('answers a chat like OpenAI, with usage and the steering it used; λ reaches the decoder', async () => {
    const fake = steerableSession(session);
    const { app, state } = createServeApp({ session: fake, modelId: 'tiny', defaultSteering: { lambda: 0.5 } });
    const res = await post(app, '/v1/chat/completions', { ...hi, lambda: 1.75, alignez: { enabled: true, strength: 2 } });
    expect(res.status).toBe(200);
    const body = await json(res);
    const expected = await session.generate([hi.messages], { maxNewTokens: 8, temperature: 0 });
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'tiny',
      choices: [{ index: 0, message: { role: 'assistant', content: expected.sequences[0].text }, finish_reason: expected.sequences[0].finishReason === 'length' ? 'length' : 'stop' }],
      usage: { prompt_tokens: expected.promptTokens, completion_tokens: expected.generatedTokens, total_tokens: expected.promptTokens + expected.generatedTokens },
      aligndial: { lambda: 1.75, alignez: { enabled: true, strength: 2 } },
    });
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(fake.calls.at(-1)?.steering).toEqual({ lambda: 1.75, edits: true, editStrength: 2 });
    expect(fake.calls.at(-1)?.context?.promptIds).toEqual(session.encodePrompt(hi.messages));
    // No λ in the request: the command line's default.
    await post(app, '/v1/chat/completions', { ...hi, vllm_xargs: { alignez: false } });
    expect(fake.calls.at(-1)?.steering).toEqual({ lambda: 0.5, edits: false });
    expect(state.requests.map((r) => r.lambda)).toEqual([1.75, 0.5]);
  });

  it('answers requests for the alias "default" (as the README sends) and names the model by its id', async () => {
    const { app } = createServeApp({ session, modelId: 'tiny' });
    const res = await post(app, '/v1/chat/completions', { ...hi, model: 'default' });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ object: 'chat.completion', model: 'tiny' });
    const wrong = await json(post(app, '/v1/chat/completions', { ...hi, model: 'gpt-4o' }));
    expect(wrong.error).toMatchObject({ code: 'model_not_found', param: 'model' });
    expect(wrong.error.message).toContain('serves "tiny" (also as "default")');
  });

  it('streams chat.completion.chunk events ending in [DONE], with usage when asked', async () => {
    const { app } = createServeApp({ session: steerableSession(session), modelId: 'tiny' });
    const res = await post(app, '/v1/chat/completions', { ...hi, stream: true, stream_options: { include_usage: true }, lambda: 0.25 });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const data = sseData(await res.text());
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.aligndial.lambda === 0.25)).toBe(true);
    const last = chunks.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage.completion_tokens).toBe(8);
    expect(chunks.at(-2).choices[0].finish_reason).toBe('length');
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    const expected = await session.generate([hi.messages], { maxNewTokens: 8, temperature: 0 });
    expect(text).toBe(expected.sequences[0].text);
  });

  it('completes raw text and token ids on /v1/completions; stop strings are cut in both modes', async () => {
    const { app } = createServeApp({ session, modelId: 'tiny' });
    const plain = await json(post(app, '/v1/completions', { model: 'tiny', prompt: 'Once upon', max_tokens: 12, temperature: 0 }));
    expect(plain).toMatchObject({ object: 'text_completion', choices: [{ index: 0, finish_reason: 'length' }], usage: { completion_tokens: 12 } });
    const full: string = plain.choices[0].text;
    const ids = await json(post(app, '/v1/completions', { model: 'tiny', prompt: session.encodePrompt('Once upon'), max_tokens: 12, temperature: 0 }));
    expect(ids.choices[0].text).toBe(full);
    // Stop on a string that appears in the middle of the greedy answer.
    const stop = [...full].slice(3, 5).join('');
    const cut = full.slice(0, full.indexOf(stop));
    const stopped = await json(post(app, '/v1/completions', { model: 'tiny', prompt: 'Once upon', max_tokens: 12, temperature: 0, stop }));
    expect(stopped.choices[0]).toMatchObject({ text: cut, finish_reason: 'stop' });
    const streamed = sseData(await (await post(app, '/v1/completions', { model: 'tiny', prompt: 'Once upon', max_tokens: 12, temperature: 0, stop, stream: true })).text());
    const events = streamed.slice(0, -1).map((d) => JSON.parse(d));
    expect(events.map((e) => e.choices[0].text).join('')).toBe(cut);
    expect(events.at(-1).choices[0].finish_reason).toBe('stop');
    expect(events.every((e) => e.object === 'text_completion' && !('usage' in e))).toBe(true);
  });

  it('answers bad requests with HTTP 400 and an OpenAI-style error body', async () => {
    const { app, state } = createServeApp({ session, modelId: 'tiny', maxTokens: 100 });
    // A prompt of 420–511 tokens: it fits the 512-token context, but not with 100 more.
    let words = 1;
    while (session.encodePrompt([{ role: 'user', content: 'word '.repeat(words + 1) }]).length < 420) words++;
    const long = [{ role: 'user', content: 'word '.repeat(words) }];
    expect(session.encodePrompt(long).length).toBeLessThan(512);
    const cases: [string | object, string | null, string | null][] = [
      ['{"model": "tiny", "messages": [', 'invalid_json', null],
      ['{"model":"tiny","messages":[{"role":"user","content":"x"}],"lambda":1e999}', 'invalid_value', 'lambda'],
      [{ ...hi, lambda: 'NaN' }, 'invalid_value', 'lambda'],
      [{ ...hi, model: 'gpt-4o' }, 'model_not_found', 'model'],
      [{ ...hi, max_tokens: 101 }, 'invalid_value', 'max_tokens'],
      [{ ...hi, max_tokens: 100, messages: long }, 'context_length_exceeded', 'max_tokens'],
      [{ ...hi, messages: [{ role: 'user', content: 'word '.repeat(2 * words) }] }, 'context_length_exceeded', 'messages'],
      // This session has no CLM adapter: the decoder factory refuses λ.
      [{ ...hi, lambda: 1 }, 'invalid_value', null],
    ];
    for (const [body, code, param] of cases) {
      const res = await post(app, '/v1/chat/completions', body);
      const error = await json(res);
      expect(res.status, JSON.stringify(error)).toBe(400);
      expect(error.error, JSON.stringify(body).slice(0, 80)).toMatchObject({ type: 'invalid_request_error', code, param });
      expect(typeof error.error.message).toBe('string');
    }
    const noAdapter = await json(post(app, '/v1/chat/completions', { ...hi, lambda: 1, stream: true }));
    expect(noAdapter.error.message).toContain('CLM adapter');
    const badId = await post(app, '/v1/completions', { model: 'tiny', prompt: [1, 99999], max_tokens: 2 });
    expect(badId.status).toBe(400);
    expect(state.queue.running + state.queue.waiting).toBe(0);
  });

  it('limits the body size (413) and checks the bearer key (401) on /v1 only', async () => {
    const { app } = createServeApp({ session, modelId: 'tiny', apiKey: 'sekret', maxBodyBytes: 2048 });
    expect((await app.request('/')).status).toBe(200);
    expect((await app.request('/health')).status).toBe(200);
    const missing = await app.request('/v1/models');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { type: 'authentication_error', code: 'invalid_api_key' } });
    expect((await app.request('/v1/models', { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await app.request('/v1/models', { headers: { Authorization: 'Bearer sekret' } })).status).toBe(200);
    const big = await post(app, '/v1/chat/completions', { ...hi, messages: [{ role: 'user', content: 'x'.repeat(4000) }] }, { Authorization: 'Bearer sekret' });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: 'request_too_large' } });
  });

  it('leaks no tensors per request, whatever the outcome', async () => {
    const fake = steerableSession(session);
    const { app } = createServeApp({ session: fake, modelId: 'tiny' });
    await post(app, '/v1/chat/completions', hi); // warm-up
    const before = tf.memory().numTensors;
    await post(app, '/v1/chat/completions', { ...hi, lambda: 2 });
    await (await post(app, '/v1/chat/completions', { ...hi, stream: true, max_tokens: 20 })).text();
    await post(app, '/v1/completions', { model: 'tiny', prompt: 'abc', max_tokens: 5, stop: ['e'] });
    await post(app, '/v1/completions', { model: 'tiny', prompt: [1, 99999], max_tokens: 2 });
    expect(tf.memory().numTensors).toBe(before);
  });
});
