import { decodeUtf8Strict, isAligndialError, parseJsonText } from '@aligndial/core';
import type { Context } from 'hono';
import { ApiError } from './errors.js';

/**
 * Reads a request body as JSON: `Content-Type` must be `application/json` (a web page can send
 * `text/plain` cross-site without a CORS preflight, so accepting it would let any page drive the
 * server), the bytes must be valid UTF-8 (never silently U+FFFD), and a syntax error names line:column.
 * @throws ApiError 415 for another content type, 400 for invalid UTF-8 or JSON.
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    throw new ApiError(415, `Content-Type must be application/json, got ${type === '' ? 'none' : JSON.stringify(type)}`, 'unsupported_media_type');
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  try {
    const text = decodeUtf8Strict(bytes, 'request body');
    if (text.trim() === '') throw new ApiError(400, 'the request body is empty; send a JSON object', 'invalid_json');
    return parseJsonText(text, 'request body', 'request body');
  } catch (error) {
    if (!isAligndialError(error)) throw error;
    const code = /invalid UTF-8/.test(error.message) ? 'invalid_utf8' : 'invalid_json';
    throw new ApiError(400, error.message, code);
  }
}
