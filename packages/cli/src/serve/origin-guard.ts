import type { MiddlewareHandler } from 'hono';
import { ApiError } from './errors.js';

/** Options of {@link originGuard}. */
export interface OriginGuardOptions {
  /** The address the server is bound to (e.g. 127.0.0.1, ::1, 0.0.0.0, a LAN IP or a hostname). */
  host: string;
  /** The port it listens on (the Host header must carry it). */
  port: () => number;
  /**
   * Browser origins allowed to call the API from their pages (`--allow-origin`), e.g.
   * `http://localhost:3000`; `*` allows any origin (only sensible with an API key).
   */
  allowOrigins?: readonly string[];
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);

/** `host` as it appears in a Host header / URL (IPv6 in brackets), lower-case. */
export function hostForUrl(host: string): string {
  const h = host.toLowerCase();
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}

/**
 * Protects a server on a local port from web pages the user visits:
 * - DNS rebinding: a page at `evil.example` re-resolved to 127.0.0.1 reaches the server with
 *   `Host: evil.example:PORT`; only the bound address (and loopback names, when bound to loopback or
 *   to all interfaces) are accepted as Host. A server bound to all interfaces accepts any Host.
 * - Cross-site requests: a browser sends `Origin` (and `Sec-Fetch-Site`) on them; any origin other
 *   than the server's own or one listed in `allowOrigins` is refused with 403, before the body is read.
 * Clients that are not browsers (curl, the OpenAI SDKs) send neither header and are unaffected.
 */
export function originGuard(options: OriginGuardOptions): MiddlewareHandler {
  const bound = hostForUrl(options.host);
  const anyHost = WILDCARD_HOSTS.has(options.host);
  const loopback = anyHost || LOOPBACK_NAMES.includes(bound) || /^127\./.test(bound);
  const allowed = new Set((options.allowOrigins ?? []).map((o) => o.replace(/\/+$/, '').toLowerCase()));
  const names = () => (loopback ? [...new Set([bound, ...LOOPBACK_NAMES])] : [bound]);
  const hostOk = (header: string | undefined) => {
    if (anyHost) return true;
    if (header === undefined) return false;
    const h = header.toLowerCase();
    return names().some((name) => h === `${name}:${options.port()}` || (options.port() === 80 && h === name));
  };
  const ownOrigins = () => names().map((name) => `http://${name}:${options.port()}`);

  return async (c, next) => {
    const host = c.req.header('host');
    if (!hostOk(host)) {
      const e = new ApiError(403, `Host ${JSON.stringify(host ?? '')} is not this server's address (${names().join(', ')}:${options.port()}): refused, as a DNS-rebinding page would send it`, 'forbidden_host');
      return c.json(e.body, 403);
    }
    const origin = c.req.header('origin')?.toLowerCase();
    const listed = origin !== undefined && (allowed.has('*') || allowed.has(origin));
    // Without Origin, Sec-Fetch-Site still marks a browser's cross-site request (e.g. an <img> or a form);
    // a top-level navigation to the chat page is harmless and allowed.
    const site = c.req.header('sec-fetch-site');
    const navigation = c.req.method === 'GET' && c.req.header('sec-fetch-mode') === 'navigate';
    const foreign = origin !== undefined ? !ownOrigins().includes(origin) && !listed : (site === 'cross-site' || site === 'same-site') && !navigation;
    if (foreign) {
      const shown = origin ?? 'another site';
      const e = new ApiError(403, `cross-origin request from ${shown} refused; start the server with --allow-origin ${origin ?? 'ORIGIN'} to allow that page`, 'forbidden_origin');
      return c.json(e.body, 403);
    }
    if (listed && origin !== undefined) {
      c.header('Access-Control-Allow-Origin', allowed.has('*') ? '*' : origin);
      c.header('Vary', 'Origin');
      if (c.req.method === 'OPTIONS') {
        c.header('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
        c.header('Access-Control-Allow-Headers', 'Authorization, Content-Type');
        c.header('Access-Control-Max-Age', '600');
        return c.body(null, 204);
      }
    }
    await next();
  };
}
