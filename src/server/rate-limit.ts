/**
 * In-process token buckets: a storm of deliveries (a forge retrying, a script looping, someone probing) is answered
 * 429 cheaply and can never queue more than one run. Budgets are kept apart by who spends them: verified deliveries
 * per receiver, failed verifications per client address, so nobody without the secret can spend the forge's budget.
 * Why not @fastify/rate-limit: it counts every request against one key before the handler runs, while the budget
 * that matters here is spent only by requests whose signature failed, which is known after the HMAC; one limiter
 * in front would let unsigned floods use up the forge's deliveries again (issue 18.2).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface TokenBucket {
  /** Takes one token if available. */
  take(): boolean;
  /** True when a token is available, without taking it (a check before doing the work that would spend it). */
  available(): boolean;
  /** Milliseconds until the next token is available (0 when one is): what `Retry-After` tells the client. */
  retryAfterMs(): number;
}

export function createTokenBucket(opts: { burst: number; perSecond: number; now?: () => number }): TokenBucket {
  const now = opts.now ?? Date.now;
  let tokens = opts.burst;
  let last = now();
  const refill = () => {
    const t = now();
    tokens = Math.min(opts.burst, tokens + ((t - last) / 1000) * opts.perSecond);
    last = t;
  };
  return {
    take() {
      refill();
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    available() {
      refill();
      return tokens >= 1;
    },
    retryAfterMs() {
      refill();
      return tokens >= 1 || opts.perSecond <= 0 ? 0 : Math.ceil(((1 - tokens) / opts.perSecond) * 1000);
    },
  };
}

/** One bucket per key (a client address), at most `maxKeys` of them: the least recently used key is forgotten. */
export interface KeyedBuckets {
  get(key: string): TokenBucket;
}

export function createKeyedBuckets(opts: { burst: number; perSecond: number; maxKeys?: number; now?: () => number }): KeyedBuckets {
  const max = opts.maxKeys ?? 10_000;
  const buckets = new Map<string, TokenBucket>();
  return {
    get(key) {
      let bucket = buckets.get(key);
      if (bucket) buckets.delete(key);
      else bucket = createTokenBucket(opts);
      buckets.set(key, bucket);
      while (buckets.size > max) buckets.delete(buckets.keys().next().value as string);
      return bucket;
    },
  };
}

/** `Retry-After` in whole seconds (at least 1), as RFC 9110 asks for with 429. */
export function retryAfterSeconds(bucket: TokenBucket): string {
  return String(Math.max(1, Math.ceil(bucket.retryAfterMs() / 1000)));
}

/** Remembers delivery ids for a window so a captured, validly signed delivery cannot be replayed to wake us. */
export interface ReplayGuard {
  /** True the first time an id is seen within the window; false for a replay (a promise when shared, HA). */
  firstSeen(id: string): boolean | Promise<boolean>;
}

export interface ReplayGuardOptions {
  windowMs: number;
  maxEntries?: number;
  now?: () => number;
  /**
   * File the ids are kept in, so a restart does not reopen the window: a delivery captured before the restart is
   * still a replay after it. Written atomically after each new id (deliveries are rate-limited, so this is rare).
   */
  file?: string;
}

export function createReplayGuard(opts: ReplayGuardOptions): ReplayGuard & { firstSeen(id: string): boolean } {
  const now = opts.now ?? Date.now;
  const max = opts.maxEntries ?? 10_000;
  const seen = new Map<string, number>(opts.file ? readSeen(opts.file, now() - opts.windowMs, max) : []);
  return {
    firstSeen(id) {
      const t = now();
      for (const [k, at] of seen) {
        if (t - at < opts.windowMs && seen.size <= max) break;
        seen.delete(k);
      }
      if (seen.has(id)) return false;
      seen.set(id, t);
      if (opts.file) writeSeen(opts.file, seen);
      return true;
    },
  };
}

/** Entries still inside the window, oldest first; an unreadable or malformed file is an empty memory. */
function readSeen(file: string, since: number, max: number): [string, number][] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(data)) return [];
  const ok = data.filter((e): e is [string, number] => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number' && e[1] > since);
  return ok.sort((a, b) => a[1] - b[1]).slice(-max);
}

function writeSeen(file: string, seen: Map<string, number>): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify([...seen]), { mode: 0o600 });
  renameSync(tmp, file);
}
