/**
 * Progress is per task (issue 18.14): a task's result is reported when IT finishes, with its own duration, not when
 * its wave (retries of a neighbour, a neighbour's health wait) ends.
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { EngineEvent } from '../../src/engine/types.js';
import { StalledError, TransientError } from '../../src/errors.js';
import { createWorld, createWorldRegistry, res, testContext } from './world-kind.js';

async function apply(arrange: (w: ReturnType<typeof createWorld>) => void, keys: string[]): Promise<EngineEvent[]> {
  const world = createWorld();
  arrange(world);
  const engine = createEngine({
    registry: createWorldRegistry(world),
    options: { concurrency: 4, retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 10 }, health: { timeoutMs: 1000, intervalMs: 10 } },
    sleep: async () => undefined,
    random: () => 0.5,
  });
  const resources = keys.map((k) => res(k));
  const ctx = testContext(resources);
  const prune = { enabled: false, kinds: [] };
  const plan = await engine.plan({ revision: 'r1', resources, inventory: [], prune, ctx });
  const events: EngineEvent[] = [];
  await engine.apply({ plan, inventory: [], prune, ctx, onEvent: (e) => events.push(e), onInventory: async () => undefined });
  return events;
}

const at = (events: EngineEvent[], pred: (e: EngineEvent) => boolean) => events.findIndex(pred);
const endOf = (key: string) => (e: EngineEvent) => e.type === 'task-end' && e.result.key === key;

describe('per-task progress', () => {
  it('a task that ends early is reported before its neighbour in the wave finishes retrying', async () => {
    const events = await apply((w) => {
      w.applyErrors.set('A/fails', [new StalledError('ApplyFailed', 'no')]);
      w.applyErrors.set('A/slow', [new TransientError('Timeout', 'slow 1'), new TransientError('Timeout', 'slow 2')]);
    }, ['A/fails', 'A/slow']);
    const lastRetry = events.map((e, i) => (e.type === 'task-retry' ? i : -1)).reduce((a, b) => Math.max(a, b), -1);
    expect(lastRetry).toBeGreaterThan(0);
    expect(at(events, endOf('A/fails'))).toBeLessThan(lastRetry);
  });

  it('a healthy task is reported before its neighbour waits on health', async () => {
    const events = await apply((w) => {
      w.healthAfterApply.set('A/quick', ['Healthy']);
      w.healthAfterApply.set('A/warming', ['Progressing', 'Progressing', 'Progressing', 'Healthy']);
    }, ['A/quick', 'A/warming']);
    const firstWait = at(events, (e) => e.type === 'health-wait');
    expect(firstWait).toBeGreaterThan(0);
    expect(at(events, endOf('A/quick'))).toBeLessThan(firstWait);
    expect(at(events, endOf('A/warming'))).toBeGreaterThan(firstWait);
  });
});
