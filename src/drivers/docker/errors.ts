/**
 * Maps dockerode / docker-modem and registry HTTP failures onto the reconcile error classes: the engine retries
 * what may heal by itself (connection, 5xx) and stalls on what needs a human (4xx, auth).
 */
import { ReconcileError, StalledError, TransientError } from '../../errors.js';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOENT',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function codeOf(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let depth = 0; cur && typeof cur === 'object' && depth < 4; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** HTTP status carried by a docker-modem error (`statusCode`) or set by the registry client. */
export function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown; status?: unknown } | null)?.statusCode ?? (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

/** Turns anything a docker or registry call threw into a typed error whose message starts with `what`. */
export function mapDockerError(what: string, err: unknown): ReconcileError {
  if (err instanceof ReconcileError) return err;
  const detail = dockerMessage(err);
  const status = statusOf(err);
  if (status === 401 || status === 403) {
    return new StalledError('AuthenticationFailed', `${what}: access denied (${status}): ${detail}`, { cause: err });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new StalledError('ApplyFailed', `${what}: ${detail}`, { cause: err });
  }
  if (status !== undefined && status >= 500) {
    return new TransientError('ApplyFailed', `${what}: ${detail}`, { cause: err });
  }
  const code = codeOf(err);
  if (code !== undefined && CONNECTION_CODES.has(code)) {
    return new TransientError('Unreachable', `${what}: ${detail}`, { cause: err });
  }
  if ((err as { name?: string } | null)?.name === 'AbortError') {
    return new TransientError('Cancelled', `${what}: cancelled`, { cause: err });
  }
  return new TransientError('ApplyFailed', `${what}: ${detail}`, { cause: err });
}

/** The daemon's own message when docker-modem wrapped it (`json.message`), else the error's message. */
export function dockerMessage(err: unknown): string {
  const json = (err as { json?: unknown } | null)?.json;
  if (json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string') {
    return ((json as { message: string }).message).trim();
  }
  if (typeof json === 'string' && json.trim() !== '') return json.trim();
  const base = err instanceof Error ? err.message : String(err);
  const code = codeOf(err);
  return code && !base.includes(code) ? `${base} (${code})` : base;
}

/** Lines like "denied: requested access" or "unauthorized" in a push/build stream mean credentials, not luck. */
export function isAuthMessage(message: string): boolean {
  return /unauthorized|authentication required|denied|no basic auth credentials|401/i.test(message);
}
