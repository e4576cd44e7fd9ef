/**
 * What the HTTP port does for everyone who reaches it, before any route runs: bounded headers and request time (a
 * slow client is answered 408 and dropped instead of holding a socket), bounded JSON nesting, errors that never carry
 * a stack, a message or a path of this machine, and security headers on every answer (the dashboard sets its own
 * Content-Security-Policy when it needs one; everything else is JSON or text and needs none of the browser's
 * features).
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Logger as PinoLogger } from 'pino';

export interface HttpTimeouts {
  /** Until the request's headers are complete. */
  headersMs: number;
  /** Until the whole request (headers and body) is in. */
  requestMs: number;
  /** An idle socket (keep-alive included) is closed after this. */
  idleMs: number;
  /** How often Node checks the two limits above (they are enforced at this granularity). */
  checkEveryMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { headersMs: 10_000, requestMs: 30_000, idleMs: 60_000, checkEveryMs: 1_000 };

/** Largest header block accepted (Node answers 431 beyond it). Forges send a few KiB. */
export const MAX_HEADER_BYTES = 16 * 1024;

/** Deepest JSON nesting a webhook body may have; forges' push payloads nest 4-5 levels. */
export const MAX_JSON_DEPTH = 32;

/** Fastify options for the limits above. */
export function serverLimits(t: Partial<HttpTimeouts> = {}): Partial<FastifyServerOptions> {
  const x = { ...DEFAULT_HTTP_TIMEOUTS, ...t };
  return {
    requestTimeout: x.requestMs,
    connectionTimeout: x.idleMs,
    keepAliveTimeout: Math.min(5_000, x.idleMs),
    routerOptions: { maxParamLength: 256 },
    http: { maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: Math.min(x.headersMs, x.requestMs), connectionsCheckingInterval: x.checkEveryMs },
  } as Partial<FastifyServerOptions>;
}

/** True when `text` (JSON) nests arrays/objects deeper than `max`; linear, no recursion, strings skipped. */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

const HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'cross-origin-resource-policy': 'same-origin',
};

/** Security headers on every answer, and one error shape with nothing of the inside in it. */
export function harden(app: FastifyInstance, logger: PinoLogger): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    for (const [k, v] of Object.entries(HEADERS)) if (!reply.hasHeader(k)) void reply.header(k, v);
    if (!reply.hasHeader('content-security-policy')) void reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    return payload;
  });
  app.setErrorHandler((err, req, reply) => {
    const code = (err as { statusCode?: number }).statusCode;
    const status = code !== undefined && code >= 400 && code < 500 ? code : 500;
    if (status >= 500) logger.error({ err, url: req.url }, 'http: request failed');
    return reply.code(status).send({ error: status >= 500 ? 'internal error' : (STATUS_CODES[status] ?? 'bad request').toLowerCase() });
  });
}
