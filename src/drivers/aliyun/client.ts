/**
 * One pop-core RPC client per account and region, with Aliyun's failures mapped to reconcile errors: throttling,
 * 5xx and network failures are retried here with exponential backoff and then surface as TransientErrors; bad
 * credentials stall; anything else the API refuses stalls with its code. Messages carry the API code and message
 * only — pop-core's own message includes the signed URL (access key id, signature), which must never be logged.
 */
import type RPCClient from '@alicloud/pop-core';
import { ReconcileError, StalledError, TransientError } from '../../errors.js';

export const ECS_API_VERSION = '2014-05-26';
export const SLB_API_VERSION = '2014-05-15';

export interface AliyunClientOptions {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** RPC API version of the product (default: ECS's). */
  apiVersion?: string;
  /** Attempts for transient failures inside one call (then the engine's own retry takes over). */
  attempts?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
}

export interface AliyunClient {
  call<T = Record<string, unknown>>(action: string, params: Record<string, unknown>): Promise<T>;
}

const TRANSIENT_CODES = [/^Throttling/, /^ServiceUnavailable/, /^InternalError$/, /^UnknownError$/, /^IncorrectInstanceStatus/, /^OperationConflict$/, /^LastTokenProcessing$/];
const AUTH_CODES = [/^InvalidAccessKeyId/, /^SignatureDoesNotMatch$/, /^IncompleteSignature$/, /^Forbidden/, /^InvalidSecurityToken/];
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'EPIPE']);

/** An API error as code + message, the way the rest of the driver matches on it. */
export class AliyunApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

export function createAliyunClient(opts: AliyunClientOptions): AliyunClient {
  // pop-core (~11 MiB resident with its dependencies) is imported on the first call, not by every daemon.
  let pending: Promise<RPCClient> | undefined;
  const rpc = (): Promise<RPCClient> =>
    (pending ??= import('@alicloud/pop-core').then(
      ({ default: RPC }) =>
        new RPC({
          endpoint: opts.endpoint,
          apiVersion: opts.apiVersion ?? ECS_API_VERSION,
          accessKeyId: opts.accessKeyId,
          accessKeySecret: opts.accessKeySecret,
          opts: { timeout: opts.timeoutMs ?? 20_000 },
        }),
    ));
  const attempts = opts.attempts ?? 4;
  const base = opts.baseDelayMs ?? 250;
  return {
    async call<T>(action: string, params: Record<string, unknown>): Promise<T> {
      let last: ReconcileError | undefined;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          return await (await rpc()).request<T>(action, params, { method: 'POST', formatParams: false });
        } catch (err) {
          last = mapAliyunError(action, err);
          if (last.disposition !== 'transient' || attempt === attempts) throw last;
          await new Promise((r) => setTimeout(r, Math.min(4000, base * 2 ** (attempt - 1))));
        }
      }
      throw last ?? new TransientError('InternalError', `aliyun ${action}: no attempt was made`);
    },
  };
}

/** The API error code behind a mapped error (e.g. `InvalidInstanceId.NotFound`), if it came from the API. */
export function aliyunCode(err: unknown): string | undefined {
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause instanceof AliyunApiError ? cause.code : undefined;
}

/** Code and message of a pop-core rejection, without its URL. */
export function apiErrorOf(err: unknown): AliyunApiError | undefined {
  const e = err as { code?: unknown; data?: { Code?: unknown; Message?: unknown }; entry?: { response?: { statusCode?: number } } };
  const code = typeof e?.data?.Code === 'string' ? e.data.Code : undefined;
  if (!code) return undefined;
  return new AliyunApiError(code, typeof e.data?.Message === 'string' ? e.data.Message : code, e.entry?.response?.statusCode);
}

export function mapAliyunError(action: string, err: unknown): ReconcileError {
  if (err instanceof ReconcileError) return err;
  const api = apiErrorOf(err);
  if (api) {
    const msg = `aliyun ${action}: ${api.code}: ${api.message}`;
    if (AUTH_CODES.some((re) => re.test(api.code))) return new StalledError('AuthenticationFailed', msg, { cause: api });
    if (TRANSIENT_CODES.some((re) => re.test(api.code)) || (api.httpStatus ?? 0) >= 500) return new TransientError('Unreachable', msg, { cause: api });
    return new StalledError('ApplyFailed', msg, { cause: api });
  }
  const code = (err as { code?: unknown })?.code;
  const name = (err as { name?: unknown })?.name;
  if ((typeof code === 'string' && NET_CODES.has(code)) || (typeof name === 'string' && /Timeout/i.test(name))) {
    return new TransientError('Unreachable', `aliyun ${action}: ${String(code ?? name).toLowerCase()}`);
  }
  // A body that is not JSON (a proxy's 502 page) or anything else unexpected: worth a retry.
  const message = err instanceof Error ? err.message.replace(/URL: \S+/g, '') : String(err);
  return new TransientError('Unreachable', `aliyun ${action}: ${message.toLowerCase().slice(0, 200)}`);
}
