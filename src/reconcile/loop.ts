/**
 * The daemon's scheduler: single flight, coalescing, jittered interval, clean stop. It knows nothing about Git or
 * hosts: each cycle is a callback (see cycle.ts) that decides whether anything needs doing. Triggers that arrive
 * while a cycle runs (a webhook storm, file changes, a tick) collapse into ONE follow-up cycle, so a hundred
 * webhooks cost at most two runs. Time is injected so tests drive it without waiting.
 */
export interface LoopClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: LoopClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface CycleRequest {
  /** Why this cycle runs, deduplicated, in arrival order (`startup`, `interval`, `webhook:github`, `watch`, ...). */
  triggers: string[];
  /** Aborted by stop() (reason `Cancelled`) or supersede() (reason `Superseded`). */
  signal: AbortSignal;
}

export interface CycleResult {
  /** Run again after at most this long (a retry with backoff), instead of waiting for the full interval. */
  retryInMs?: number;
}

export interface LoopOptions {
  intervalMs: number;
  /** Fraction of the interval added at random (0..1). */
  jitter: number;
  cycle: (req: CycleRequest) => Promise<CycleResult>;
  /** Called for a trigger that arrives while a cycle runs (the daemon checks whether it supersedes the run). */
  onBusyTrigger?: (reason: string) => void;
  onError?: (err: unknown) => void;
  clock?: LoopClock;
  random?: () => number;
}

export interface LoopStats {
  cycles: number;
  /** Triggers folded into an already pending follow-up. */
  coalesced: number;
}

export interface Loop {
  /** Runs the first cycle now (trigger `startup`), then on the interval. */
  start(): void;
  /** Asks for a cycle as soon as possible; coalesces with anything already pending. */
  trigger(reason: string): void;
  /** Aborts the running cycle with reason `Superseded` (the daemon saw a newer revision) and queues a follow-up. */
  supersede(reason: string): void;
  /** Stops timers, aborts the running cycle with reason `Cancelled` and waits for it to record itself. */
  stop(): Promise<void>;
  readonly running: boolean;
  readonly stats: LoopStats;
  /** Resolves when no cycle is running and none is pending (tests). */
  idle(): Promise<void>;
}

/** Error used as abort reason, so the engine and logs can tell a superseded run from a shutdown. */
export class LoopAbort extends Error {
  constructor(readonly reason: 'Superseded' | 'Cancelled', message: string) {
    super(message);
    this.name = 'LoopAbort';
  }
}

export function createLoop(opts: LoopOptions): Loop {
  const clock = opts.clock ?? realClock;
  const random = opts.random ?? Math.random;
  const stats: LoopStats = { cycles: 0, coalesced: 0 };
  let timer: unknown;
  let current: { promise: Promise<void>; controller: AbortController } | undefined;
  let pending: string[] | undefined;
  let stopped = false;
  let started = false;
  let idleWaiters: (() => void)[] = [];

  const jittered = () => opts.intervalMs * (1 + opts.jitter * random());

  function schedule(ms: number): void {
    if (stopped) return;
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = clock.setTimeout(() => {
      timer = undefined;
      trigger('interval');
    }, Math.max(0, ms));
  }

  function runCycle(triggers: string[]): void {
    if (timer !== undefined) {
      clock.clearTimeout(timer);
      timer = undefined;
    }
    const controller = new AbortController();
    stats.cycles += 1;
    const promise = (async () => {
      let result: CycleResult = {};
      try {
        result = await opts.cycle({ triggers, signal: controller.signal });
      } catch (err) {
        opts.onError?.(err);
      }
      current = undefined;
      if (stopped) return;
      const next = pending;
      pending = undefined;
      if (next) {
        runCycle(next);
        return;
      }
      const interval = jittered();
      schedule(result.retryInMs !== undefined ? Math.min(result.retryInMs, interval) : interval);
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    })();
    current = { promise, controller };
  }

  function trigger(reason: string): void {
    if (stopped || !started) return;
    if (current) {
      if (pending) {
        stats.coalesced += 1;
        if (!pending.includes(reason)) pending.push(reason);
      } else pending = [reason];
      opts.onBusyTrigger?.(reason);
      return;
    }
    runCycle([reason]);
  }

  return {
    start() {
      if (started) return;
      started = true;
      runCycle(['startup']);
    },
    trigger,
    supersede(reason) {
      if (!current || current.controller.signal.aborted) return;
      if (!pending) pending = [reason];
      else if (!pending.includes(reason)) pending.push(reason);
      current.controller.abort(new LoopAbort('Superseded', `superseded: ${reason}`));
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      pending = undefined;
      const c = current;
      if (c) {
        c.controller.abort(new LoopAbort('Cancelled', 'daemon is shutting down'));
        await c.promise;
      }
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    },
    get running() {
      return current !== undefined;
    },
    stats,
    idle() {
      if (!current && !pending) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}

/** Repeats `fn` every `ms` on the injected clock until the returned function is called. */
export function repeatOn(clock: LoopClock, ms: number, fn: () => void): () => void {
  let handle: unknown;
  let stopped = false;
  const arm = () => {
    handle = clock.setTimeout(() => {
      if (stopped) return;
      fn();
      arm();
    }, ms);
  };
  arm();
  return () => {
    stopped = true;
    clock.clearTimeout(handle);
  };
}
