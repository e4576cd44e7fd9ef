/**
 * In-process token buckets, one per webhook receiver: a storm of deliveries (a forge retrying, a script looping,
 * someone probing) is answered 429 cheaply before any HMAC is computed, and can never queue more than one run.
 */
export interface TokenBucket {
  /** Takes one token if available. */
  take(): boolean;
}

export function createTokenBucket(opts: { burst: number; perSecond: number; now?: () => number }): TokenBucket {
  const now = opts.now ?? Date.now;
  let tokens = opts.burst;
  let last = now();
  return {
    take() {
      const t = now();
      tokens = Math.min(opts.burst, tokens + ((t - last) / 1000) * opts.perSecond);
      last = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
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
