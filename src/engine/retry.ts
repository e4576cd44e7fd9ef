/**
 * Retry with exponential backoff and full jitter (AWS's "full jitter": sleep = random * min(cap, base * 2^n)), for
 * transient errors only: a stalled error needs a human, a waiting error is requeued by the daemon instead.
 */
import { classify, type ReconcileError } from '../errors.js';
import type { RetryOptions } from './types.js';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Real timer sleep that rejects as soon as `signal` aborts, so a cancelled run does not sit out its backoff. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted', { cause: signal.reason });
}

/** Delay before retry number `attempt` (1-based), full jitter. */
export function backoffDelay(attempt: number, opts: RetryOptions, random: () => number): number {
  const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

export interface RetryDeps {
  sleep: Sleep;
  random: () => number;
  signal: AbortSignal;
  onRetry?: (attempt: number, delayMs: number, err: ReconcileError) => void;
}

export type RetryResult = { ok: true; attempts: number } | { ok: false; attempts: number; error: ReconcileError };

/** Runs `fn` until it succeeds, fails non-transiently, runs out of attempts, or the signal aborts. Never throws. */
export async function withRetry(fn: () => Promise<void>, opts: RetryOptions, deps: RetryDeps): Promise<RetryResult> {
  const max = Math.max(1, opts.attempts);
  for (let attempt = 1; ; attempt++) {
    try {
      await fn();
      return { ok: true, attempts: attempt };
    } catch (err) {
      const error = classify(err);
      if (error.disposition !== 'transient' || attempt >= max || deps.signal.aborted) {
        return { ok: false, attempts: attempt, error };
      }
      const delay = backoffDelay(attempt, opts, deps.random);
      deps.onRetry?.(attempt, delay, error);
      try {
        await deps.sleep(delay, deps.signal);
      } catch {
        return { ok: false, attempts: attempt, error };
      }
    }
  }
}
