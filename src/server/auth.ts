/**
 * Bearer-token and basic-auth checks for the daemon's HTTP surface (a browser can send basic credentials to the
 * dashboard; scripts send the bearer token; either is accepted when both are configured). Status, runs, metrics and the Deployment Engine routes describe
 * the fleet (addresses, what runs where, install logs), so with a token configured every route needs it, except:
 * - webhooks (`/hooks/*`): a forge cannot send our token; each receiver checks its own HMAC or token instead;
 * - `/healthz`: a liveness probe carries no credentials, and the answer is one boolean, nothing about the fleet.
 *   `/readyz` needs the credentials like the rest (issue 17): it names the revision and, with replicas, the leader
 *   and its lease; a readiness probe sends the token (Kubernetes `httpHeaders`, `curl -H` in a HEALTHCHECK).
 * Exemptions match fastify's route pattern, never the raw URL, so `/healthz/../status` or `//status` cannot slip
 * through; an unknown path needs the token too (401, not 404: nothing to enumerate). The comparison hashes both
 * sides first, so it takes the same time whatever the length or content of the guess.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WEBHOOK_SOURCES } from '../config/index.js';

/** Route patterns answered without the token: the probes and every webhook receiver (webhooks.ts). */
export const OPEN_ROUTES: ReadonlySet<string> = new Set(['/healthz', ...WEBHOOK_SOURCES.map((s) => `/hooks/${s}`)]);

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** True when `header` is `Bearer <token>` (scheme case-insensitive, RFC 7235) with exactly this token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header ?? '');
  // Always compare, even without a header, so a missing header costs what a wrong one does.
  const ok = timingSafeEqual(digest(m?.[1] ?? ''), digest(token));
  return ok && m !== null;
}

/** Basic credentials: the user name (settings) and the password (a secret reference, resolved at start). */
export interface BasicCredentials {
  username: string;
  password: string;
}

/** True when `header` is `Basic base64(user:password)` with exactly these; compared in constant time like the token. */
export function basicMatches(header: string | undefined, creds: BasicCredentials): boolean {
  const m = /^Basic[ ]+([A-Za-z0-9+/=]+)[ ]*$/i.exec(header ?? '');
  const given = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
  const ok = timingSafeEqual(digest(given), digest(`${creds.username}:${creds.password}`));
  return ok && m !== null;
}

export interface HttpAuth {
  token?: string;
  basic?: BasicCredentials;
}

function routeOf(req: FastifyRequest): string | undefined {
  // `routeOptions.url` is the pattern of the matched route; undefined when nothing matched (the 404 handler).
  return req.is404 ? undefined : req.routeOptions.url;
}

/**
 * Requires the bearer token or the basic credentials (whichever are configured) on every route but OPEN_ROUTES;
 * 401 with one `WWW-Authenticate` challenge per configured scheme otherwise (Basic first, so a browser asks).
 */
export function registerHttpAuth(app: FastifyInstance, auth: HttpAuth): void {
  const challenges = [
    ...(auth.basic ? ['Basic realm="driftless", charset="UTF-8"'] : []),
    ...(auth.token !== undefined ? ['Bearer realm="driftless"'] : []),
  ];
  if (challenges.length === 0) return;
  const how = [auth.token !== undefined ? "Authorization: Bearer <token> (the daemon's http.token)" : '', auth.basic ? 'basic credentials (http.basicAuth)' : '']
    .filter(Boolean)
    .join(' or ');
  app.addHook('onRequest', async (req, reply) => {
    const route = routeOf(req);
    if (route !== undefined && OPEN_ROUTES.has(route)) return;
    const header = req.headers.authorization;
    // Both checks always run, so the time taken says nothing about which scheme came close.
    const bearer = auth.token !== undefined && bearerMatches(header, auth.token);
    const basic = auth.basic !== undefined && basicMatches(header, auth.basic);
    if (bearer || basic) return;
    return reply.code(401).header('www-authenticate', challenges).send({ error: `unauthorized: send ${how}` });
  });
}
