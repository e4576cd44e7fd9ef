/**
 * The HTTP surface's settings and the start-up rule that makes it safe by construction: status, runs, metrics and
 * CF install logs describe the fleet, so a daemon reachable from other machines must ask for a token. Loopback is
 * the default listen address; any other address without `http.token` is refused at start unless the operator says
 * `http.insecure: true` (e.g. an authenticating proxy in front), so exposure is always a decision, never a default.
 */
import { isIP } from 'node:net';
import type { OperatorSecretRef } from '../model/resource.js';

export interface HttpConfig {
  /** Bearer token required on every route but webhooks, /healthz and /readyz. */
  token?: OperatorSecretRef;
  /** Basic credentials accepted like the token: a user name and a password reference (browsers can send these). */
  basicAuth?: { username: string; password: OperatorSecretRef };
  /** Serve HTTPS: PEM certificate chain and private key, each a reference (file or environment variable). */
  tls?: { cert: OperatorSecretRef; key: OperatorSecretRef };
  /** The config repo's web view, for file:line links on the dashboard (`{commit}`/`{path}`/`{line}` or a base URL). */
  repoWebUrl?: string;
  /** Allow a non-loopback listen address without a token. */
  insecure: boolean;
}

/** True for `localhost`, 127.0.0.0/8, ::1 and IPv4-mapped 127.x: addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) !== 6) return false;
  // The URL parser writes IPv6 in canonical form: 0:0:0:0:0:0:0:1 -> ::1, ::ffff:127.0.0.1 -> ::ffff:7f00:1.
  const canonical = new URL(`http://[${h}]/`).hostname.slice(1, -1);
  return canonical === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(canonical);
}

/** Why this listen host may not be used with these settings, or undefined when it may. */
export function listenProblem(host: string, http: HttpConfig): string | undefined {
  if (isLoopback(host) || http.token || http.basicAuth || http.insecure) return undefined;
  return (
    `listen: ${host} is reachable from other machines and no http.token is set: anyone who can reach it would read ` +
    'status, runs, metrics and CF install logs. Set http.token (DRIFTLESS_HTTP_TOKEN_ENV / _FILE, --http-token-env / ' +
    '--http-token-file) or http.basicAuth, listen on 127.0.0.1, or opt out with http.insecure: true (DRIFTLESS_HTTP_INSECURE=true, ' +
    '--insecure-http) when something in front authenticates'
  );
}

/** Why a resolved token cannot be used, or undefined: short tokens are guessable, spaces cannot be sent as Bearer. */
export function tokenProblem(token: string): string | undefined {
  if (token.length < 16) return `http.token: the token has ${token.length} characters; use at least 16 (e.g. openssl rand -hex 32)`;
  if (/\s/.test(token)) return 'http.token: the token contains whitespace, which a Bearer header cannot carry';
  return undefined;
}
