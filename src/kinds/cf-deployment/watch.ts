/**
 * BOSH watch times: `N` waits N ms then checks once; `low-high` waits low ms, then polls until the instance is
 * running or high ms have passed. Used after every start, so a component that dies right after starting fails
 * its canary instead of passing it.
 */
import type { WatchTime } from './spec.js';
import { TransientError } from '../../errors.js';

export interface Watch {
  low: number;
  high: number;
  poll: boolean;
}

export function parseWatch(w: WatchTime | undefined, fallback: WatchTime): Watch {
  const v = w ?? fallback;
  if (typeof v === 'number') return { low: v, high: v, poll: false };
  const [low, high] = v.split('-').map(Number) as [number, number];
  return { low, high: Math.max(low, high), poll: true };
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new TransientError('Cancelled', 'cancelled'));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(new TransientError('Cancelled', 'cancelled'))), { once: true });
  });

/** Waits per the watch time; resolves with the last verdict from `check` (true = running). */
export async function watch(w: Watch, check: () => Promise<boolean>, signal?: AbortSignal): Promise<boolean> {
  await sleep(w.low, signal);
  const deadline = Date.now() + (w.high - w.low);
  for (;;) {
    if (await check()) return true;
    if (!w.poll || Date.now() >= deadline) return false;
    await sleep(Math.min(500, Math.max(50, deadline - Date.now())), signal);
  }
}
