import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { EngineEvent, EngineOptions } from '../../src/engine/types.js';
import { StalledError, TransientError, WaitingError } from '../../src/errors.js';
import type { InventoryEntry, PrunePolicy } from '../../src/model/inventory.js';
import type { TaskResult } from '../../src/model/plan.js';
import type { Resource } from '../../src/model/resource.js';
import { createWorld, createWorldRegistry, entry, res, testContext, type World, type WorldSpec } from './world-kind.js';

const options: EngineOptions = {
  concurrency: 3,
  retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 },
  health: { timeoutMs: 50, intervalMs: 10 },
};

interface Run {
  world: World;
  results: Map<string, TaskResult>;
  ordered: TaskResult[];
  inventory: InventoryEntry[];
  sleeps: number[];
  events: EngineEvent[];
  saved: InventoryEntry[][];
}

async function run(
  resources: Resource<WorldSpec>[],
  arrange: (w: World) => void = () => undefined,
  opts: { inventory?: InventoryEntry[]; prune?: PrunePolicy; abortOn?: (e: EngineEvent) => boolean } = {},
): Promise<Run> {
  const world = createWorld();
  arrange(world);
  const sleeps: number[] = [];
  const sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    sleeps.push(ms);
    if (signal?.aborted) throw new Error('aborted');
  };
  const engine = createEngine({ registry: createWorldRegistry(world), options, sleep, random: () => 0.5 });
  const controller = new AbortController();
  const ctx = testContext(resources, controller.signal);
  const prune = opts.prune ?? { enabled: true, kinds: [] };
  const inventory = opts.inventory ?? [];
  const plan = await engine.plan({ revision: 'r1', resources, inventory, prune, ctx });
  const events: EngineEvent[] = [];
  const saved: InventoryEntry[][] = [];
  const outcome = await engine.apply({
    plan,
    inventory,
    prune,
    ctx,
    onEvent: (e) => {
      events.push(e);
      if (opts.abortOn?.(e)) controller.abort();
    },
    onInventory: async (inv) => {
      world.calls.push(`saved ${inv.map((e) => e.key).join(',')}`);
      saved.push(inv);
    },
  });
  return {
    world,
    results: new Map(outcome.results.map((r) => [r.key, r])),
    ordered: outcome.results,
    inventory: outcome.inventory,
    sleeps,
    events,
    saved,
  };
}

type Expect = Record<string, { status: string; reason?: string; message?: RegExp; attempts?: number }>;

describe('apply scenarios', () => {
  it.each<{ name: string; resources: Resource<WorldSpec>[]; arrange: (w: World) => void; expected: Expect }>([
    {
      name: 'transient errors are retried until success',
      resources: [res('A/a')],
      arrange: (w) => w.applyErrors.set('A/a', [new TransientError('Unreachable', 'reset'), new TransientError('Timeout', 'slow')]),
      expected: { 'A/a': { status: 'succeeded', attempts: 3 } },
    },
    {
      name: 'transient errors beyond the attempts fail',
      resources: [res('A/a')],
      arrange: (w) => w.applyErrors.set('A/a', [1, 2, 3].map(() => new TransientError('Unreachable', 'reset'))),
      expected: { 'A/a': { status: 'failed', reason: 'Unreachable', attempts: 3 } },
    },
    {
      name: 'stalled errors are not retried',
      resources: [res('A/a')],
      arrange: (w) => w.applyErrors.set('A/a', [new StalledError('AuthenticationFailed', 'bad key')]),
      expected: { 'A/a': { status: 'failed', reason: 'AuthenticationFailed', message: /bad key/, attempts: 1 } },
    },
    {
      name: 'waiting errors are not retried',
      resources: [res('A/a')],
      arrange: (w) => w.applyErrors.set('A/a', [new WaitingError('DependencyNotReady', 'later')]),
      expected: { 'A/a': { status: 'failed', reason: 'DependencyNotReady', attempts: 1 } },
    },
    {
      name: 'dependents of a failure are skipped, independent ones run',
      resources: [res('A/bad'), res('A/ok'), res('B/b', { needs: ['A/bad'] }), res('B/c', { needs: ['B/b'] }), res('B/d', { needs: ['A/ok'] })],
      arrange: (w) => w.applyErrors.set('A/bad', [new StalledError('ApplyFailed', 'boom')]),
      expected: {
        'A/bad': { status: 'failed', reason: 'ApplyFailed' },
        'A/ok': { status: 'succeeded' },
        'B/b': { status: 'skipped', reason: 'DependencyFailed', message: /^dependency A\/bad failed$/ },
        'B/c': { status: 'skipped', reason: 'DependencyFailed', message: /dependency A\/bad failed \(via B\/b\)/ },
        'B/d': { status: 'succeeded' },
      },
    },
    {
      name: 'a Degraded health gate fails the task and skips its dependents',
      resources: [res('A/a'), res('B/b', { needs: ['A/a'] }), res('B/x')],
      arrange: (w) => w.healthAfterApply.set('A/a', ['Progressing', 'Degraded']),
      expected: {
        'A/a': { status: 'failed', reason: 'HealthCheckFailed', message: /Degraded/ },
        'B/b': { status: 'skipped', reason: 'DependencyFailed' },
        'B/x': { status: 'succeeded' },
      },
    },
    {
      name: 'a resource that never turns healthy times out',
      resources: [res('A/a')],
      arrange: (w) => w.healthAfterApply.set('A/a', ['Progressing']),
      expected: { 'A/a': { status: 'failed', reason: 'HealthCheckTimeout', message: /not healthy after 50ms: last health Progressing/ } },
    },
    {
      name: 'a resource that settles passes the gate',
      resources: [res('A/a')],
      arrange: (w) => w.healthAfterApply.set('A/a', ['Progressing', 'Missing', 'Healthy']),
      expected: { 'A/a': { status: 'succeeded' } },
    },
    {
      name: 'an observe failure at plan time fails without applying and skips dependents',
      resources: [res('A/a'), res('B/b', { needs: ['A/a'] })],
      arrange: (w) => w.observeErrors.set('A/a', [new StalledError('HostKeyMismatch', 'host key changed')]),
      expected: {
        'A/a': { status: 'failed', reason: 'HostKeyMismatch', message: /observe failed: host key changed/, attempts: 0 },
        'B/b': { status: 'skipped', reason: 'DependencyFailed' },
      },
    },
    {
      name: 'an up-to-date healthy resource is a noop',
      resources: [res('A/a', { value: 'v' })],
      arrange: (w) => w.objects.set('A/a', { spec: { value: 'v' }, health: ['Healthy'] }),
      expected: { 'A/a': { status: 'noop', attempts: 0 } },
    },
    {
      name: 'an up-to-date Degraded resource fails its gate and blocks dependents',
      resources: [res('A/a', { value: 'v' }), res('B/b', { needs: ['A/a'] })],
      arrange: (w) => w.objects.set('A/a', { spec: { value: 'v' }, health: ['Degraded'] }),
      expected: { 'A/a': { status: 'failed', reason: 'HealthCheckFailed' }, 'B/b': { status: 'skipped' } },
    },
  ])('$name', async ({ resources, arrange, expected }) => {
    const out = await run(resources, arrange);
    for (const [key, want] of Object.entries(expected)) {
      const got = out.results.get(key);
      expect(got?.status, key).toBe(want.status);
      if (want.reason) expect(got?.reason, key).toBe(want.reason);
      if (want.message) expect(got?.message, key).toMatch(want.message);
      if (want.attempts !== undefined) expect(got?.attempts, key).toBe(want.attempts);
    }
    const skippedApplied = out.world.calls.filter((c) => [...out.results.values()].some((r) => r.status === 'skipped' && c === `apply ${r.key}`));
    expect(skippedApplied).toEqual([]);
  });
});

describe('a task observed before its dependencies were applied', () => {
  const notYet = () => [new WaitingError('DependencyNotReady', 'swarm not initialised yet')];

  it('is observed again once this run applied them, visibly, and then applied', async () => {
    const out = await run([res('A/a'), res('B/b', { needs: ['A/a'] })], (w) => w.observeErrors.set('B/b', notYet()));
    expect(out.results.get('B/b')).toMatchObject({ status: 'succeeded', action: 'create' });
    expect(out.events.find((e) => e.type === 'plan-stale')).toMatchObject({ key: 'B/b', message: expect.stringMatching(/before its dependencies were applied: observe failed: swarm not/) });
    expect(out.events.find((e) => e.type === 'replanned')).toMatchObject({ task: { key: 'B/b', action: 'create' } });
    expect(out.world.calls.filter((c) => c === 'observe B/b').length).toBeGreaterThanOrEqual(2);
  });

  it('also when the change is further up: a noop dependency of a changed resource passes it on', async () => {
    const out = await run([res('A/a'), res('B/b', { needs: ['A/a'] }), res('B/c', { needs: ['B/b'] })], (w) => {
      w.objects.set('B/b', { spec: { needs: ['A/a'] }, health: ['Healthy'] });
      w.observeErrors.set('B/c', notYet());
    });
    expect(out.results.get('B/b')?.status).toBe('noop');
    expect(out.results.get('B/c')?.status).toBe('succeeded');
  });

  it('fails as planned when nothing it depends on changed in this run (no second observe)', async () => {
    const out = await run([res('A/a'), res('B/b', { needs: ['A/a'] })], (w) => {
      w.objects.set('A/a', { spec: {}, health: ['Healthy'] });
      w.observeErrors.set('B/b', notYet());
    });
    expect(out.results.get('B/b')).toMatchObject({ status: 'failed', reason: 'DependencyNotReady', attempts: 0 });
    expect(out.world.calls.filter((c) => c === 'observe B/b')).toHaveLength(1);
    expect(out.events.some((e) => e.type === 'plan-stale')).toBe(false);
  });
});

describe('apply details', () => {
  it('backs off with full jitter between transient retries', async () => {
    const out = await run([res('A/a')], (w) => w.applyErrors.set('A/a', [new TransientError('Timeout', 'x'), new TransientError('Timeout', 'y')]));
    expect(out.sleeps).toEqual([50, 100]);
    expect(out.events.filter((e) => e.type === 'task-retry').map((e) => (e.type === 'task-retry' ? e.attempt : 0))).toEqual([1, 2]);
  });

  it('bounds the health gate by timeout / interval polls', async () => {
    const out = await run([res('A/a')], (w) => w.healthAfterApply.set('A/a', ['Progressing']));
    expect(out.sleeps).toEqual([10, 10, 10, 10, 10]);
    expect(out.events.filter((e) => e.type === 'health-wait')).toHaveLength(5);
  });

  it('runs waves in order and starts a wave only after the previous gate', async () => {
    const out = await run([res('B/b', { needs: ['A/a'] }), res('A/a')], (w) => w.healthAfterApply.set('A/a', ['Progressing', 'Healthy']));
    expect(out.world.calls.filter((c) => c.startsWith('apply'))).toEqual(['apply A/a', 'apply B/b']);
    const gateObserve = out.world.calls.lastIndexOf('observe A/a');
    expect(gateObserve).toBeLessThan(out.world.calls.indexOf('apply B/b'));
  });

  it('saves the inventory after each applied task, before the next one finishes', async () => {
    const out = await run([res('A/a', { value: '1' }), res('B/b', { needs: ['A/a'] })]);
    expect(out.saved.map((inv) => inv.map((e) => e.key))).toEqual([['A/a'], ['A/a', 'B/b']]);
    expect(out.world.calls.filter((c) => !c.startsWith('observe'))).toEqual(['apply A/a', 'saved A/a', 'apply B/b', 'saved A/a,B/b']);
    expect(out.inventory.map((e) => [e.key, e.revision])).toEqual([
      ['A/a', 'r1'],
      ['B/b', 'r1'],
    ]);
    expect(out.inventory[0]?.resource.spec).toEqual({ value: '1' });
  });

  it('records the observed digest from the gate observation', async () => {
    const out = await run([res('A/a', { value: '1' })]);
    expect(out.results.get('A/a')?.observedDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(out.results.get('A/a')?.health).toBe('Healthy');
  });

  it('prunes in reverse order, keeps failed removals in the inventory', async () => {
    const inventory = [entry(res('A/gone')), entry(res('B/fails')), entry(res('A/kept'))];
    const out = await run([res('A/kept')], (w) => w.removeErrors.set('B/fails', [new StalledError('PruneFailed', 'in use')]), { inventory });
    expect(out.results.get('A/gone')?.status).toBe('pruned');
    expect(out.results.get('B/fails')?.status).toBe('prune-failed');
    expect(out.results.get('B/fails')?.message).toMatch(/remove failed: in use/);
    expect(out.inventory.map((e) => e.key)).toEqual(['A/kept', 'B/fails']);
    expect(out.world.calls.filter((c) => c.startsWith('remove'))).toEqual(['remove B/fails', 'remove A/gone']);
    expect(out.saved.at(-1)?.map((e) => e.key)).toEqual(['A/kept', 'B/fails']);
  });

  it('does not prune when a task failed, nor what the plan disallowed', async () => {
    const inventory = [entry(res('A/gone')), entry(res('Fixed/old'))];
    const out = await run([res('A/bad')], (w) => w.applyErrors.set('A/bad', [new StalledError('ApplyFailed', 'no')]), { inventory });
    expect(out.results.get('A/gone')).toMatchObject({ status: 'prune-skipped', reason: 'DependencyFailed' });
    expect(out.results.get('Fixed/old')).toMatchObject({ status: 'prune-skipped', reason: 'PruneDisabled' });
    expect(out.world.calls.filter((c) => c.startsWith('remove'))).toEqual([]);
    expect(out.inventory.map((e) => e.key)).toEqual(['A/gone', 'Fixed/old']);
  });

  it('skips the remaining tasks and prunes as Cancelled after an abort', async () => {
    const resources = [res('A/a'), res('B/b', { needs: ['A/a'] }), res('B/c', { needs: ['A/a'] })];
    const out = await run(resources, () => undefined, {
      inventory: [entry(res('A/gone'))],
      abortOn: (e) => e.type === 'task-end' && e.result.key === 'A/a',
    });
    expect(out.results.get('A/a')?.status).toBe('succeeded');
    expect(out.results.get('B/b')).toMatchObject({ status: 'skipped', reason: 'Cancelled' });
    expect(out.results.get('B/c')).toMatchObject({ status: 'skipped', reason: 'Cancelled' });
    expect(out.results.get('A/gone')).toMatchObject({ status: 'prune-skipped', reason: 'Cancelled' });
    expect(out.world.calls).not.toContain('apply B/b');
  });

  it('stops retry backoff when aborted', async () => {
    const out = await run([res('A/a')], (w) => w.applyErrors.set('A/a', [1, 2, 3].map(() => new TransientError('Timeout', 'slow'))), {
      abortOn: (e) => e.type === 'task-retry',
    });
    expect(out.results.get('A/a')).toMatchObject({ status: 'failed', attempts: 1 });
    expect(out.world.calls.filter((c) => c === 'apply A/a')).toHaveLength(1);
  });

  it('never throws for one bad resource, even a kind that throws a non-error', async () => {
    const out = await run([res('A/a'), res('B/b')], (w) => w.applyErrors.set('A/a', [1, 2, 3].map(() => 'weird' as unknown as Error)));
    expect(out.results.get('A/a')).toMatchObject({ status: 'failed', reason: 'InternalError', disposition: 'transient', attempts: 3 });
    expect(out.results.get('A/a')?.message).toMatch(/internal error: weird/);
    expect(out.results.get('B/b')?.status).toBe('succeeded');
  });
});

describe('apply keeps why a task ran', () => {
  it('a succeeded task keeps the plan reason (e.g. DriftDetected) in its result', async () => {
    const world = createWorld();
    const engine = createEngine({ registry: createWorldRegistry(world), options, sleep: async () => undefined, random: () => 0.5 });
    const resources = [res('A/a', { value: 'v1' })];
    const ctx = testContext(resources, new AbortController().signal);
    const prune = { enabled: false, kinds: [] };
    const plan = await engine.plan({ revision: 'r1', resources, inventory: [], prune, ctx });
    plan.tasks = plan.tasks.map((t) => ({ ...t, reason: 'DriftDetected' }));
    const outcome = await engine.apply({ plan, inventory: [], prune, ctx });
    expect(outcome.results).toMatchObject([{ key: 'A/a', status: 'succeeded', reason: 'DriftDetected' }]);
  });
});

describe('apply carries the kind status details', () => {
  it('details from the re-observation reach the result of an applied task, sanitised', async () => {
    const out = await run([res('A/a', { detail: 'quota 3/10 h' }), res('B/b', { value: 'x' })]);
    expect(out.results.get('A/a')).toMatchObject({ status: 'succeeded', details: { summary: 'quota 3/10 h', url: 'https://***@repo.invalid/x' } });
    expect(out.results.get('B/b')?.status).toBe('succeeded');
    expect(out.results.get('B/b')).not.toHaveProperty('details');
  });

  it('a noop task carries the details of its plan-time observation', async () => {
    const spec = { detail: 'nodes 2/2 running' };
    const out = await run([res('A/a', spec)], (w) => w.objects.set('A/a', { spec, health: ['Healthy'] }));
    expect(out.results.get('A/a')).toMatchObject({ status: 'noop', details: { summary: 'nodes 2/2 running' } });
  });

  it('a statusDetails that throws costs only the details, never the task', async () => {
    const out = await run([res('A/a', { detail: 'throw' })]);
    expect(out.results.get('A/a')?.status).toBe('succeeded');
    expect(out.results.get('A/a')?.observedDigest).toMatch(/./);
    expect(out.results.get('A/a')).not.toHaveProperty('details');
  });
});
