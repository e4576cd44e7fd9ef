/** The loop's scheduling rules with an injected clock: single flight, coalescing, interval + jitter, retry, stop. */
import { describe, expect, it } from 'vitest';
import { createLoop, LoopAbort, type CycleRequest, type CycleResult } from '../../src/reconcile/loop.js';
import { createFakeClock, deferred, settle } from './fake-clock.js';

function harness(opts: { jitter?: number; random?: () => number } = {}) {
  const clock = createFakeClock();
  const calls: CycleRequest[] = [];
  const gates: ReturnType<typeof deferred<CycleResult>>[] = [];
  const busy: string[] = [];
  const loop = createLoop({
    intervalMs: 60_000,
    jitter: opts.jitter ?? 0,
    clock,
    random: opts.random ?? (() => 0.5),
    cycle: (req) => {
      calls.push(req);
      const d = deferred<CycleResult>();
      gates.push(d);
      return d.promise;
    },
    onBusyTrigger: (r) => busy.push(r),
  });
  const finish = async (i: number, result: CycleResult = {}) => {
    gates[i]!.resolve(result);
    await settle();
  };
  return { clock, calls, loop, finish, busy };
}

describe('createLoop', () => {
  it('runs a startup cycle at once, then one cycle per interval', async () => {
    const h = harness();
    h.loop.start();
    expect(h.calls.map((c) => c.triggers)).toEqual([['startup']]);
    await h.finish(0);
    h.clock.advance(59_999);
    expect(h.calls).toHaveLength(1);
    h.clock.advance(1);
    expect(h.calls.map((c) => c.triggers)).toEqual([['startup'], ['interval']]);
  });

  it('coalesces every trigger that arrives during a run into ONE follow-up cycle', async () => {
    const h = harness();
    h.loop.start();
    for (let i = 0; i < 100; i++) h.loop.trigger('webhook:github');
    h.loop.trigger('watch');
    expect(h.calls).toHaveLength(1);
    expect(h.loop.stats.coalesced).toBe(100);
    expect(h.busy).toHaveLength(101);
    await h.finish(0);
    expect(h.calls).toHaveLength(2);
    expect(h.calls[1]!.triggers).toEqual(['webhook:github', 'watch']);
    await h.finish(1);
    expect(h.calls).toHaveLength(2);
  });

  it('a trigger while idle runs at once and re-arms the interval from the end of that cycle', async () => {
    const h = harness();
    h.loop.start();
    await h.finish(0);
    h.clock.advance(30_000);
    h.loop.trigger('webhook:gitea');
    expect(h.calls[1]!.triggers).toEqual(['webhook:gitea']);
    await h.finish(1);
    h.clock.advance(59_999);
    expect(h.calls).toHaveLength(2);
    h.clock.advance(1);
    expect(h.calls).toHaveLength(3);
  });

  it('adds jitter to the interval', async () => {
    const h = harness({ jitter: 0.5, random: () => 1 });
    h.loop.start();
    await h.finish(0);
    expect(h.clock.armed.at(-1)).toBe(90_000);
  });

  it('honours a shorter retry delay from the cycle, never a longer one', async () => {
    const h = harness();
    h.loop.start();
    await h.finish(0, { retryInMs: 2_000 });
    expect(h.clock.armed.at(-1)).toBe(2_000);
    h.clock.advance(2_000);
    await h.finish(1, { retryInMs: 10 * 60_000 });
    expect(h.clock.armed.at(-1)).toBe(60_000);
  });

  it('supersede aborts the running cycle with reason Superseded and queues a follow-up', async () => {
    const h = harness();
    h.loop.start();
    h.loop.supersede('newer revision abc');
    const reason = h.calls[0]!.signal.reason as LoopAbort;
    expect(reason).toBeInstanceOf(LoopAbort);
    expect(reason.reason).toBe('Superseded');
    await h.finish(0);
    expect(h.calls[1]!.triggers).toEqual(['newer revision abc']);
  });

  it('stop aborts the running cycle with reason Cancelled, waits for it, and schedules nothing more', async () => {
    const h = harness();
    h.loop.start();
    h.loop.trigger('interval');
    const stopped = h.loop.stop();
    expect((h.calls[0]!.signal.reason as LoopAbort).reason).toBe('Cancelled');
    let done = false;
    void stopped.then(() => (done = true));
    await settle();
    expect(done).toBe(false);
    await h.finish(0);
    expect(done).toBe(true);
    expect(h.calls).toHaveLength(1);
    expect(h.clock.pending()).toBe(0);
    h.loop.trigger('webhook:github');
    expect(h.calls).toHaveLength(1);
  });

  it('a cycle that throws is reported and the loop keeps its schedule', async () => {
    const clock = createFakeClock();
    const errors: unknown[] = [];
    let n = 0;
    const loop = createLoop({
      intervalMs: 1_000,
      jitter: 0,
      clock,
      cycle: async () => {
        n += 1;
        throw new Error('boom');
      },
      onError: (e) => errors.push(e),
    });
    loop.start();
    await settle();
    clock.advance(1_000);
    await settle();
    expect(n).toBe(2);
    expect(errors).toHaveLength(2);
    await loop.stop();
  });
});
