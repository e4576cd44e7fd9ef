/**
 * A pool through the real engine, the way a reconcile runs it: Cluster, Service and Hosts first, the Pool in a
 * later wave, its health gate passed, and the next plan all no-op — the rule every kind must keep. Removed from
 * Git, its nodes stay until the prune policy allows the Pool kind; then they are shrunk away.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine/index.js';
import { createKindRegistry } from '../../../src/kinds/registry.js';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import type { InventoryEntry } from '../../../src/model/inventory.js';
import { isNoop } from '../../../src/model/plan.js';
import type { Resource } from '../../../src/model/resource.js';
import { createPoolWorld, type PoolWorld } from './fixture.js';

let world: PoolWorld;

beforeAll(async () => {
  world = await createPoolWorld(2, 'poolen');
});

afterAll(async () => {
  await world?.close();
});

it('applies a pool after its service and hosts, passes the health gate, plans no-op, and prunes only when allowed', async () => {
  const name = `eng-${randomBytes(3).toString('hex')}`;
  const resources: Resource[] = [
    world.res('Cluster', 'feed', { description: 'feed' }),
    world.res('Service', 'web', { cluster: 'feed', description: 'web' }),
    ...world.hostResources(),
    world.res<PoolSpec>('Pool', name, {
      service: 'web',
      hosts: { selector: { role: 'app' } },
      container: { image: world.image, command: ['python3', '-m', 'http.server', '8080'] },
      healthCheck: { http: { port: 8080 }, timeout: '30s', interval: '200ms' },
    }),
  ];
  const engine = createEngine({
    registry: createKindRegistry(),
    options: { concurrency: 4, retry: { attempts: 2, baseDelayMs: 100, maxDelayMs: 500 }, health: { timeoutMs: 30_000, intervalMs: 300 } },
  });
  let inventory: InventoryEntry[] = [];
  const ctx = () => ({ ...world.ctxFor(resources), inventory: { get: (k: string) => inventory.find((e) => e.key === k) } });
  const prune = { enabled: false, kinds: [] };
  const plan = await engine.plan({ revision: 'r1', resources, inventory, prune, ctx: ctx() });
  const poolTask = plan.tasks.find((t) => t.key === `Pool/${name}`);
  expect(poolTask?.action).toBe('create');
  const hostWaves = plan.tasks.filter((t) => t.kind === 'Host').map((t) => t.wave);
  expect(Math.min(...hostWaves.map((w) => (poolTask?.wave ?? 0) - w))).toBeGreaterThan(0);
  const out = await engine.apply({ plan, inventory, prune, ctx: ctx(), onInventory: async (inv) => void (inventory = inv) });
  const poolResult = out.results.find((r) => r.key === `Pool/${name}`);
  expect(poolResult, JSON.stringify(out.results)).toMatchObject({ status: 'succeeded', health: 'Healthy' });
  inventory = out.inventory;
  const nodes = await world.nodes(name);
  expect(nodes.map((n) => n.host).sort()).toEqual([...world.hostNames].sort());
  const again = await engine.plan({ revision: 'r1', resources, inventory, prune, ctx: ctx() });
  expect(again.tasks.filter((t) => t.action !== 'noop' || t.error).map((t) => [t.key, t.action, t.error?.message])).toEqual([]);
  expect(isNoop(again)).toBe(true);

  const kept = resources.filter((r) => r.kind !== 'Pool');
  const forbidden = await engine.plan({ revision: 'r2', resources: kept, inventory, prune, ctx: ctx() });
  expect(forbidden.prune).toEqual([expect.objectContaining({ key: `Pool/${name}`, allowed: false })]);
  const allow = { enabled: true, kinds: ['Pool'] };
  const prunePlan = await engine.plan({ revision: 'r2', resources: kept, inventory, prune: allow, ctx: ctx() });
  expect(prunePlan.prune).toEqual([expect.objectContaining({ key: `Pool/${name}`, allowed: true })]);
  const pruned = await engine.apply({ plan: prunePlan, inventory, prune: allow, ctx: ctx(), onInventory: async (inv) => void (inventory = inv) });
  expect(pruned.results.find((r) => r.key === `Pool/${name}`)?.status).toBe('pruned');
  expect(await world.nodes(name)).toEqual([]);
  expect(pruned.inventory.map((e) => e.key)).not.toContain(`Pool/${name}`);
});
