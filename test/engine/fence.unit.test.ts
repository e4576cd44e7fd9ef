/**
 * The HA fence (KindContext.fence): the engine checks it before every task and every prune, so a leader deposed
 * in the middle of an apply finishes nothing it had not started. Tasks already done stay done; the rest are
 * skipped with NotLeader and the kind's apply/remove is never called for them.
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { StalledError } from '../../src/errors.js';
import { createWorld, createWorldRegistry, entry, res, testContext } from './world-kind.js';

describe('engine fence', () => {
  it('a fence that closes after the first task: later tasks and prunes are skipped, not run', async () => {
    const world = createWorld();
    const engine = createEngine({
      registry: createWorldRegistry(world),
      options: { concurrency: 1, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, health: { timeoutMs: 1000, intervalMs: 1 } },
      sleep: async () => undefined,
      random: () => 0.5,
    });
    const resources = [res('A/one'), res('B/two', { needs: ['A/one'] })];
    const gone = entry(res('A/gone'));
    const ctx = testContext(resources);
    const prune = { enabled: true, kinds: [] };
    const plan = await engine.plan({ revision: 'r1', resources, inventory: [gone], prune, ctx });
    let leading = true;
    ctx.fence = () => {
      if (!leading) throw new StalledError('NotLeader', 'replica r1 is not the leader');
    };
    const out = await engine.apply({
      plan,
      inventory: [gone],
      prune,
      ctx,
      onEvent: (e) => {
        if (e.type === 'task-end' && e.result.key === 'A/one') leading = false;
      },
      onInventory: async () => undefined,
    });
    const byKey = new Map(out.results.map((r) => [r.key, r]));
    expect(byKey.get('A/one')?.status).not.toBe('skipped');
    expect(byKey.get('B/two')).toMatchObject({ status: 'skipped', reason: 'NotLeader' });
    expect(byKey.get('A/gone')).toMatchObject({ status: 'prune-skipped', reason: 'NotLeader' });
    expect(world.calls).toContain('apply A/one');
    expect(world.calls).not.toContain('apply B/two');
    expect(world.calls.some((c) => c.startsWith('remove'))).toBe(false);
  });

  it('an open fence changes nothing', async () => {
    const world = createWorld();
    const engine = createEngine({
      registry: createWorldRegistry(world),
      options: { concurrency: 1, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, health: { timeoutMs: 1000, intervalMs: 1 } },
      sleep: async () => undefined,
      random: () => 0.5,
    });
    const resources = [res('A/one')];
    const ctx = { ...testContext(resources), fence: () => undefined };
    const prune = { enabled: false, kinds: [] };
    const plan = await engine.plan({ revision: 'r1', resources, inventory: [], prune, ctx });
    const out = await engine.apply({ plan, inventory: [], prune, ctx, onInventory: async () => undefined });
    expect(out.results[0]?.status).not.toBe('skipped');
    expect(world.calls).toContain('apply A/one');
  });
});
