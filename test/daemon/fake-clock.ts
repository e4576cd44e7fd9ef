/** A manual clock for the loop: timers fire only when a test advances time, so nothing in these tests sleeps. */
import type { LoopClock } from '../../src/reconcile/loop.js';

export interface FakeClock extends LoopClock {
  advance(ms: number): void;
  /** Delays of the timers armed so far, in order (cleared ones included). */
  armed: number[];
  pending(): number;
}

export function createFakeClock(start = 1_000_000): FakeClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const armed: number[] = [];
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      armed.push(ms);
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(h) {
      timers.delete(h as number);
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = target;
    },
    armed,
    pending: () => timers.size,
  };
}

/** A promise with its resolver exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets queued promise callbacks run (microtasks and one macrotask turn). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
