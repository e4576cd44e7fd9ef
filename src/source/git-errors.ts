/**
 * Maps isomorphic-git and network failures onto the engine's error classes, so the daemon knows whether to
 * retry (network, server errors), or wait for a human (bad credentials, missing repo or ref). Every message is
 * sanitised: URLs lose their credentials and resolved secret values are masked.
 */
import { ReconcileError, StalledError, TransientError } from '../errors.js';
import { sanitize } from '../util/sanitize.js';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

interface GitLikeError {
  code?: string;
  message?: string;
  data?: { statusCode?: number; statusMessage?: string; reason?: string };
  cause?: unknown;
}

/** Walks the cause chain for a Node network error code. */
function networkCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    const code = (cur as GitLikeError).code;
    if (code && NETWORK_CODES.has(code)) return code;
    cur = (cur as GitLikeError).cause;
  }
  return undefined;
}

/** True for connection-level failures (refused, reset, DNS, timeouts), where retrying another way cannot help now. */
export function isNetworkError(err: unknown): boolean {
  return networkCode(err) !== undefined;
}

/**
 * Classifies a failure of `what` (e.g. `fetch of http://host/repo.git#main`). Typed errors pass through.
 * Authentication failures are stalled (retrying with the same secret cannot help and may lock accounts).
 */
export function toSourceError(err: unknown, what: string): ReconcileError {
  if (err instanceof ReconcileError) return err;
  const e = (err ?? {}) as GitLikeError;
  const detail = sanitize(e.message ?? String(err));
  const status = e.data?.statusCode;
  if (e.code === 'UserCanceledError' || status === 401 || status === 403) {
    // isomorphic-git reports refused credentials as the cancel our onAuthFailure asked for; its "The operation was
    // canceled." says nothing an operator can act on, so it is not kept as the cause.
    const message = `${what}: authentication failed (${status ?? 401}): the server refused the credentials; check the secret the source uses`;
    return new StalledError('AuthenticationFailed', sanitize(message), e.code === 'UserCanceledError' ? undefined : { cause: err });
  }
  if (status === 404) {
    return new StalledError('SourceUnavailable', sanitize(`${what}: repository not found (404)`), { cause: err });
  }
  const net = networkCode(err);
  if (net) return new TransientError('SourceUnavailable', sanitize(`${what}: ${net}: ${detail}`), { cause: err });
  return new TransientError('SourceUnavailable', sanitize(`${what}: ${detail}`), { cause: err });
}

/** Rejects after `ms` so a hung server cannot block a poll forever (the request itself is left to die). */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TransientError('SourceUnavailable', sanitize(`${what}: no answer within ${ms} ms`))),
      ms,
    );
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
