/**
 * Bearer-token check for the daemon's HTTP surface. Status, runs, metrics and the Deployment Engine routes describe
 * the fleet (addresses, what runs where, install logs), so with a token configured every route needs it, except:
 * - webhooks (`/hooks/*`): a forge cannot send our token; each receiver checks its own HMAC or token instead;
 * - `/healthz` and `/readyz`: container and orchestrator probes carry no credentials, and the answers are one
 *   boolean each (alive; first revision loaded), nothing about the fleet.
 * Exemptions match fastify's route pattern, never the raw URL, so `/healthz/../status` or `//status` cannot slip
 * through; an unknown path needs the token too (401, not 404: nothing to enumerate). The comparison hashes both
 * sides first, so it takes the same time whatever the length or content of the guess.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WEBHOOK_SOURCES } from '../config/index.js';

/** Route patterns answered without the token: the probes and every webhook receiver (webhooks.ts). */
export const OPEN_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', ...WEBHOOK_SOURCES.map((s) => `/hooks/${s}`)]);

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** True when `header` is `Bearer <token>` (scheme case-insensitive, RFC 7235) with exactly this token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header ?? '');
  // Always compare, even without a header, so a missing header costs what a wrong one does.
  const ok = timingSafeEqual(digest(m?.[1] ?? ''), digest(token));
  return ok && m !== null;
}

function routeOf(req: FastifyRequest): string | undefined {
  // `routeOptions.url` is the pattern of the matched route; undefined when nothing matched (the 404 handler).
  return req.is404 ? undefined : req.routeOptions.url;
}

/** Requires `Authorization: Bearer <token>` on every route but OPEN_ROUTES; 401 with `WWW-Authenticate` otherwise. */
export function registerBearerAuth(app: FastifyInstance, token: string): void {
  app.addHook('onRequest', async (req, reply) => {
    const route = routeOf(req);
    if (route !== undefined && OPEN_ROUTES.has(route)) return;
    if (bearerMatches(req.headers.authorization, token)) return;
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="driftless"')
      .send({ error: 'unauthorized: send Authorization: Bearer <token> (the daemon\'s http.token)' });
  });
}
