/**
 * In-process token buckets: a storm of deliveries (a forge retrying, a script looping, someone probing) is answered
 * 429 cheaply and can never queue more than one run. Budgets are kept apart by who spends them: verified deliveries
 * per receiver, failed verifications per client address, so nobody without the secret can spend the forge's budget.
 */
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
  /** True the first time an id is seen within the window; false for a replay. */
  firstSeen(id: string): boolean;
}

export function createReplayGuard(opts: { windowMs: number; maxEntries?: number; now?: () => number }): ReplayGuard {
  const now = opts.now ?? Date.now;
  const max = opts.maxEntries ?? 10_000;
  const seen = new Map<string, number>();
  return {
    firstSeen(id) {
      const t = now();
      for (const [k, at] of seen) {
        if (t - at < opts.windowMs && seen.size <= max) break;
        seen.delete(k);
      }
      if (seen.has(id)) return false;
      seen.set(id, t);
      return true;
    },
  };
}
