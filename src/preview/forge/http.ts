/**
 * The one HTTP call every forge client makes: JSON in and out, a timeout, and errors typed by what happens next (a
 * 401/403/404 needs the operator: stalled; 429 and 5xx are transient). Error messages carry the method, the path and
 * the forge's own message, never the token or the request headers.
 */
import { StalledError, TransientError } from '../../errors.js';
import { sanitize } from '../../util/sanitize.js';
import type { ForgeClientOptions } from './types.js';

export interface ForgeRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  /** Path under the API base, starting with `/`, query included. */
  path: string;
  body?: unknown;
  /** Headers for this forge, the credential included (built from the token `call` resolves). */
  headers: (token: string) => Record<string, string>;
}

export async function call<T>(opts: ForgeClientOptions, req: ForgeRequest): Promise<T> {
  const url = opts.api.replace(/\/+$/, '') + req.path;
  const token = await opts.token(url);
  const doFetch = opts.fetch ?? fetch;
  const what = `${req.method} ${new URL(url).pathname}`;
  let res: Response;
  try {
    res = await doFetch(url, {
      method: req.method,
      headers: { ...req.headers(token), ...(req.body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
      redirect: 'error',
    });
  } catch (err) {
    throw new TransientError('Unreachable', `forge ${what}: ${sanitize(err instanceof Error ? err.message : String(err))}`, { cause: err });
  }
  const text = await res.text();
  if (!res.ok) {
    const detail = sanitize(text.slice(0, 300).replace(/\s+/g, ' '));
    const message = `forge ${what} answered ${res.status}: ${detail}`;
    if (res.status === 401 || res.status === 403) throw new StalledError('AuthenticationFailed', message);
    if (res.status === 429 || res.status >= 500) throw new TransientError('Unreachable', message);
    throw new StalledError('ApplyFailed', message);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

/** At most this many pages of comments are searched for the marker (100 a page: a very long discussion). */
export const MAX_COMMENT_PAGES = 20;
