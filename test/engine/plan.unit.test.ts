import { describe, expect, it } from 'vitest';
import { resourceDigest } from '../../src/engine/digest.js';
import { createEngine } from '../../src/engine/index.js';
import type { EngineOptions } from '../../src/engine/types.js';
import { TransientError } from '../../src/errors.js';
import type { PrunePolicy } from '../../src/model/inventory.js';
import { isNoop } from '../../src/model/plan.js';
import { createWorld, createWorldRegistry, entry, res, testContext, type World } from './world-kind.js';

const options: EngineOptions = { concurrency: 2, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, health: { timeoutMs: 10, intervalMs: 1 } };
const noPrune: PrunePolicy = { enabled: false, kinds: [] };

function setup(): { world: World; engine: ReturnType<typeof createEngine> } {
  const world = createWorld();
  return { world, engine: createEngine({ registry: createWorldRegistry(world), options }) };
}

describe('plan: diff outcome per observation', () => {
  it.each([
    { name: 'absent -> create', observed: undefined, action: 'create' },
    { name: 'same spec -> noop', observed: { value: 'v1' }, action: 'noop' },
    { name: 'other spec -> update', observed: { value: 'v0' }, action: 'update' },
  ])('$name', async ({ observed, action }) => {
    const { world, engine } = setup();
    if (observed) world.objects.set('A/a', { spec: observed, health: ['Healthy'] });
    const resources = [res('A/a', { value: 'v1' })];
    const plan = await engine.plan({ revision: 'r1', resources, inventory: [], prune: noPrune, ctx: testContext(resources) });
    expect(plan.tasks.map((t) => [t.key, t.action])).toEqual([['A/a', action]]);
    expect(plan.tasks[0]?.error).toBeUndefined();
    expect(isNoop(plan)).toBe(action === 'noop');
  });

  it('records an observe failure on the task instead of failing the plan', async () => {
    const { world, engine } = setup();
    world.observeErrors.set('A/a', [new TransientError('Unreachable', 'ssh: connect ECONNREFUSED')]);
    const resources = [res('A/a'), res('B/b')];
    const plan = await engine.plan({ revision: 'r1', resources, inventory: [], prune: noPrune, ctx: testContext(resources) });
    const failed = plan.tasks.find((t) => t.key === 'A/a');
    expect(failed?.reason).toBe('ObserveFailed');
    expect(failed?.error).toEqual({ reason: 'Unreachable', message: 'observe failed: ssh: connect ECONNREFUSED', disposition: 'transient' });
    expect(plan.tasks.find((t) => t.key === 'B/b')?.action).toBe('create');
    expect(isNoop(plan)).toBe(false);
  });

  it('orders tasks and waves, and digests the desired resource', async () => {
    const { engine } = setup();
    const resources = [res('B/z', { needs: ['A/a'] }), res('B/b'), res('A/a'), res('A/c', { needs: ['B/b'] })];
    const plan = await engine.plan({ revision: 'r1', resources, inventory: [], prune: noPrune, ctx: testContext(resources) });
    expect(plan.waves).toEqual([['A/a', 'B/b'], ['A/c', 'B/z']]);
    expect(plan.tasks.map((t) => t.key)).toEqual(['A/a', 'B/b', 'A/c', 'B/z']);
    expect(plan.tasks.find((t) => t.key === 'B/z')?.dependsOn).toEqual(['A/a']);
    expect(plan.tasks[0]?.digest).toBe(resourceDigest(res('A/a')));
    expect(plan.tasks[0]?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('resourceDigest', () => {
  it.each([
    { name: 'key order does not matter', a: res('A/a', { value: 'x', needs: [] }), b: res('A/a', { needs: [], value: 'x' }), same: true },
    { name: 'annotations do not matter', a: res('A/a'), b: res('A/a', {}, { 'driftless.dev/prune': 'false' }), same: true },
    { name: 'spec matters', a: res('A/a', { value: 'x' }), b: res('A/a', { value: 'y' }), same: false },
    { name: 'name matters', a: res('A/a'), b: res('A/b'), same: false },
  ])('$name', ({ a, b, same }) => {
    expect(resourceDigest(a) === resourceDigest(b)).toBe(same);
  });
});

describe('plan: prune allowed or denied', () => {
  const kept = res('A/kept');
  it.each([
    { name: 'policy disabled', gone: res('A/old'), policy: noPrune, declared: [kept], allowed: false, reason: /disabled/ },
    { name: 'enabled, all kinds', gone: res('A/old'), policy: { enabled: true, kinds: [] }, declared: [kept], allowed: true, reason: /no longer declared/ },
    { name: 'kind listed', gone: res('B/old'), policy: { enabled: true, kinds: ['B'] }, declared: [kept], allowed: true, reason: /no longer declared/ },
    { name: 'kind not listed', gone: res('B/old'), policy: { enabled: true, kinds: ['A'] }, declared: [kept], allowed: false, reason: /kind B is not listed/ },
    { name: 'kind cannot remove', gone: res('Fixed/old'), policy: { enabled: true, kinds: [] }, declared: [kept], allowed: false, reason: /does not support removal/ },
    { name: 'kind not registered', gone: res('Gone/old'), policy: { enabled: true, kinds: [] }, declared: [kept], allowed: false, reason: /not registered/ },
    {
      name: 'annotation opt-out',
      gone: res('A/old', {}, { 'driftless.dev/prune': 'false' }),
      policy: { enabled: true, kinds: [] },
      declared: [kept],
      allowed: false,
      reason: /opts out/,
    },
    { name: 'empty source guard', gone: res('A/old'), policy: { enabled: true, kinds: [] }, declared: [], allowed: false, reason: /declares no resources/ },
  ])('$name', async ({ gone, policy, declared, allowed, reason }) => {
    const { engine } = setup();
    const inventory = [entry(gone), ...declared.map((r) => entry(r))];
    const plan = await engine.plan({ revision: 'r1', resources: declared, inventory, prune: policy, ctx: testContext(declared) });
    expect(plan.prune).toHaveLength(1);
    expect(plan.prune[0]?.key).toBe(`${gone.kind}/${gone.metadata.name}`);
    expect(plan.prune[0]?.allowed).toBe(allowed);
    expect(plan.prune[0]?.reason).toMatch(reason);
  });

  it('lists prune tasks in reverse dependency order of what was applied', async () => {
    const { engine } = setup();
    const inventory = [entry(res('A/base')), entry(res('B/top', { needs: ['A/base'] })), entry(res('A/mid', { needs: ['A/base'] }))];
    const declared = [res('A/kept')];
    const plan = await engine.plan({ revision: 'r1', resources: declared, inventory, prune: { enabled: true, kinds: [] }, ctx: testContext(declared) });
    expect(plan.prune.map((p) => p.key)).toEqual(['B/top', 'A/mid', 'A/base']);
  });
});
