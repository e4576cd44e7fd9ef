/**
 * Apply executes the plan it printed, or says it cannot (issue 12.3): a kind that finds the world moved since the
 * plan throws PlanStaleError; the engine re-plans that one resource, emits `plan-stale` and `replanned`, and applies
 * the new plan; a second staleness in a row fails the task with reason PlanStale.
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { EngineEvent } from '../../src/engine/types.js';
import { PlanStaleError } from '../../src/errors.js';
import { createWorld, createWorldRegistry, res, testContext } from './world-kind.js';

async function run(errors: Error[], between: (w: ReturnType<typeof createWorld>) => void = () => undefined) {
  const world = createWorld();
  world.applyErrors.set('A/a', errors);
  const engine = createEngine({
    registry: createWorldRegistry(world),
    options: { concurrency: 2, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 }, health: { timeoutMs: 50, intervalMs: 10 } },
    sleep: async () => undefined,
    random: () => 0.5,
  });
  const resources = [res('A/a', { value: 'v1' })];
  const ctx = testContext(resources);
  const prune = { enabled: false, kinds: [] };
  const plan = await engine.plan({ revision: 'r1', resources, inventory: [], prune, ctx });
  between(world);
  const events: EngineEvent[] = [];
  const outcome = await engine.apply({ plan, inventory: [], prune, ctx, onEvent: (e) => events.push(e), onInventory: async () => undefined });
  return { world, events, result: outcome.results.find((r) => r.key === 'A/a')! };
}

describe('a stale plan', () => {
  it('is re-planned visibly and the new plan applied', async () => {
    const { world, events, result } = await run([new PlanStaleError('the world moved')]);
    const types = events.map((e) => e.type);
    expect(types).toContain('plan-stale');
    expect(types.indexOf('plan-stale')).toBeLessThan(types.indexOf('replanned'));
    expect(events.find((e) => e.type === 'plan-stale')).toMatchObject({ key: 'A/a', message: 'the world moved' });
    expect(events.find((e) => e.type === 'replanned')).toMatchObject({ task: { key: 'A/a', action: 'create' } });
    expect(result.status).toBe('succeeded');
    // observed twice (plan, re-plan) and applied twice (the stale attempt, the re-planned one)
    expect(world.calls.filter((c) => c === 'observe A/a').length).toBeGreaterThanOrEqual(2);
    expect(world.calls.filter((c) => c.startsWith('apply A/a'))).toHaveLength(2);
  });

  it('a resource the world already matches when re-planned is a noop, not reported as applied', async () => {
    const { world, events, result } = await run([new PlanStaleError('someone created it meanwhile')], (w) =>
      w.objects.set('A/a', { spec: { value: 'v1' }, health: ['Healthy'] }),
    );
    expect(events.find((e) => e.type === 'replanned')).toMatchObject({ task: { key: 'A/a', action: 'noop' } });
    expect(result.status).toBe('noop');
    expect(world.calls.filter((c) => c.startsWith('apply A/a'))).toHaveLength(1);
  });

  it('fails the task when the re-planned apply is stale again (not retried within the run)', async () => {
    const { events, result } = await run([new PlanStaleError('moved'), new PlanStaleError('moved again')]);
    expect(events.filter((e) => e.type === 'plan-stale')).toHaveLength(1);
    expect(result).toMatchObject({ status: 'failed', reason: 'PlanStale', disposition: 'failed' });
  });
});
