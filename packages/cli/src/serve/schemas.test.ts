import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.js';
import { GenerationQueue } from './queue.js';
import { parseChatCompletionRequest, parseCompletionRequest } from './schemas.js';
import { resolveSteering } from './steering.js';

const chat = (extra: Record<string, unknown> = {}) => ({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...extra });

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('request schemas', () => {
  it('maps OpenAI fields and aligndial extensions', () => {
    const r = parseChatCompletionRequest(
      chat({ max_tokens: 5, temperature: 0, top_p: 0.9, top_k: -1, seed: 7, stop: 'END', stream: true, stream_options: { include_usage: true }, lambda: 1.5, alignez: { enabled: true, strength: 0.5 }, n: 1, presence_penalty: 0, logit_bias: null }),
    );
    expect(r).toMatchObject({ kind: 'chat', maxTokens: 5, temperature: 0, topP: 0.9, topK: 0, seed: 7, stop: ['END'], stream: true, includeUsage: true, lambda: 1.5, alignez: { enabled: true, strength: 0.5 } });
    expect(r.prompt).toEqual([{ role: 'user', content: 'hi' }]);
    expect(parseChatCompletionRequest(chat({ max_completion_tokens: 9, messages: [{ role: 'developer', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }] }))).toMatchObject({
      maxTokens: 9,
      prompt: [{ role: 'system', content: 'ab' }],
    });
    expect(parseCompletionRequest({ model: 'm', prompt: ['once'] }).prompt).toBe('once');
    expect(parseCompletionRequest({ model: 'm', prompt: [1, 2, 3] }).prompt).toEqual([1, 2, 3]);
    expect(parseCompletionRequest({ model: 'm', prompt: [[4, 5]] }).prompt).toEqual([4, 5]);
  });

  it('reads λ and AlignEZ from vllm_xargs (numbers or numeric strings)', () => {
    expect(parseChatCompletionRequest(chat({ vllm_xargs: { lambda: '0.25', alignez: 'false' } }))).toMatchObject({ lambda: 0.25, alignez: { enabled: false } });
    expect(parseChatCompletionRequest(chat({ vllm_xargs: { lambda: 2, alignez_strength: 3 } }))).toMatchObject({ lambda: 2, alignez: { strength: 3 } });
    expect(parseChatCompletionRequest(chat({ lambda: 2, vllm_xargs: { lambda: 2 } })).lambda).toBe(2);
    expect(apiError(() => parseChatCompletionRequest(chat({ lambda: 1, vllm_xargs: { lambda: 2 } }))).param).toBe('lambda');
  });

  it('refuses NaN/∞ λ, bad types and unsupported options with the parameter named', () => {
    const cases: [unknown, string][] = [
      [chat({ lambda: 'NaN' }), 'lambda'],
      [chat({ lambda: Number.POSITIVE_INFINITY }), 'lambda'],
      [JSON.parse('{"model":"m","messages":[{"role":"user","content":"x"}],"lambda":1e999}'), 'lambda'],
      [chat({ vllm_xargs: { lambda: 'Infinity' } }), 'vllm_xargs.lambda'],
      [chat({ vllm_xargs: { lambda: 'abc' } }), 'vllm_xargs.lambda'],
      [chat({ alignez: { strength: 'high' } }), 'alignez.strength'],
      [chat({ alignez: { enabled: true, extra: 1 } }), 'alignez'],
      [chat({ max_tokens: 0 }), 'max_tokens'],
      [chat({ max_tokens: 2.5 }), 'max_tokens'],
      [chat({ temperature: 3 }), 'temperature'],
      [chat({ n: 2 }), 'n'],
      [chat({ stop: ['a', 'b', 'c', 'd', 'e'] }), 'stop'],
      [chat({ messages: [] }), 'messages'],
      [chat({ messages: [{ role: 'wizard', content: 'x' }] }), 'messages.0.role'],
      [chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }), 'messages.0.content'],
      [{ messages: [{ role: 'user', content: 'x' }] }, 'model'],
      [{ model: 'm', prompt: ['a', 'b'] }, 'prompt'],
      [{ model: 'm', prompt: 'x', stop: '' }, 'stop'],
      [{ model: 'm', prompt: 'x', stop: ['ok', ''] }, 'stop.1'],
      [{ model: 'm', prompt: 'x', lambda: 1e308 }, 'lambda'],
      [{ model: 'm', prompt: 'x', lambda: -101 }, 'lambda'],
      [{ model: 'm', prompt: 'x', vllm_xargs: { lambda: '1e308' } }, 'vllm_xargs.lambda'],
      [{ model: 'm', prompt: 'x', repetition_penalty: 1e-300 }, 'repetition_penalty'],
    ];
    for (const [body, param] of cases) {
      const e = apiError(() => ((body as { prompt?: unknown }).prompt !== undefined ? parseCompletionRequest(body) : parseChatCompletionRequest(body)));
      expect(e.status, JSON.stringify(body)).toBe(400);
      expect(e.param, JSON.stringify(body)).toBe(param);
      expect(e.body.error.type).toBe('invalid_request_error');
      expect(e.message).toContain(param);
    }
    expect(apiError(() => parseChatCompletionRequest({ messages: [] })).code).toBe('missing_required_parameter');
    expect(apiError(() => parseChatCompletionRequest([1, 2])).code).toBe('invalid_json');
  });
});

describe('resolveSteering', () => {
  it('uses the request, else the server defaults; strength alone turns AlignEZ on; off drops the strength', () => {
    expect(resolveSteering({ lambda: undefined, alignez: {} })).toEqual({ steering: {}, info: { lambda: null, alignez: { enabled: null, strength: null } } });
    expect(resolveSteering({ lambda: undefined, alignez: {} }, { lambda: 0.5, editStrength: 2 }).steering).toEqual({ lambda: 0.5, editStrength: 2 });
    expect(resolveSteering({ lambda: 1.25, alignez: {} }, { lambda: 0.5 }).steering).toEqual({ lambda: 1.25 });
    expect(resolveSteering({ lambda: 0, alignez: { strength: 3 } }).steering).toEqual({ lambda: 0, edits: true, editStrength: 3 });
    expect(resolveSteering({ lambda: undefined, alignez: { enabled: false, strength: 3 } }, { edits: true, editStrength: 1 })).toEqual({
      steering: { edits: false },
      info: { lambda: null, alignez: { enabled: false, strength: null } },
    });
  });
});

describe('GenerationQueue', () => {
  it('runs one job at a time in order, refuses with 429 when full, drops aborted waiters, closes with 503', async () => {
    const queue = new GenerationQueue(2);
    const order: string[] = [];
    const first = await queue.acquire();
    const b = queue.acquire().then((release) => (order.push('b'), release));
    const controller = new AbortController();
    const c = queue.acquire(controller.signal);
    const full = await queue.acquire().catch((e: ApiError) => e);
    expect(full).toBeInstanceOf(ApiError);
    expect((full as ApiError).status).toBe(429);
    expect((full as ApiError).code).toBe('queue_full');
    controller.abort(new Error('gone'));
    await expect(c).rejects.toThrow('gone');
    expect(queue.waiting).toBe(1);
    const d = queue.acquire().then((release) => (order.push('d'), release));
    first();
    first(); // a second call is harmless
    (await b)();
    (await d)();
    expect(order).toEqual(['b', 'd']);
    expect(queue.peakActive).toBe(1);
    await queue.whenIdle();
    const held = await queue.acquire();
    const waiting = queue.acquire();
    queue.close();
    await expect(waiting).rejects.toMatchObject({ status: 503 });
    await expect(queue.acquire()).rejects.toMatchObject({ status: 503 });
    held();
    await queue.whenIdle();
  });

  it('with --max-queue 0 only the running request is allowed', async () => {
    const queue = new GenerationQueue(0);
    const release = await queue.acquire();
    await expect(queue.acquire()).rejects.toMatchObject({ status: 429 });
    release();
    (await queue.acquire())();
  });
});
