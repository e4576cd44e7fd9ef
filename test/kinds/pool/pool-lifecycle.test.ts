/**
 * A pool on two real lab hosts: expand creates exactly the missing nodes and re-planning is a no-op, shrink
 * removes the surplus (newest first), and a spec change rolls through the nodes in batches of one with a health
 * check between them — the engine's own container events show at most maxUnavailable nodes down at any moment.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import type { Resource } from '../../../src/model/resource.js';
import { labDocker } from '../../harness/docker.js';
import { createPoolWorld, type PoolWorld } from './fixture.js';

let world: PoolWorld;
const poolName = `web-${randomBytes(3).toString('hex')}`;

function poolSpec(over: Partial<PoolSpec> & { version?: string } = {}): PoolSpec {
  const { version = '1', ...rest } = over;
  return {
    service: 'web',
    hosts: { selector: { role: 'app' } },
    mode: 'fixed',
    replicas: 4,
    container: {
      image: world.image,
      command: ['python3', '-m', 'http.server', '8080'],
      env: { VERSION: version },
      network: 'bridge',
      restartPolicy: { condition: 'none' },
    },
    rollout: { batchSize: 1, maxUnavailable: 1 },
    healthCheck: { http: { port: 8080, path: '/' }, timeout: '30s', interval: '200ms' },
    ...rest,
  };
}

function pool(spec: PoolSpec): Resource<PoolSpec> {
  return world.res<PoolSpec>('Pool', poolName, spec);
}

beforeAll(async () => {
  world = await createPoolWorld(2, 'pool');
});

afterAll(async () => {
  await world?.close();
});

describe('pool lifecycle on real hosts', () => {
  it('expands 0 -> 4 across both hosts, then plans a no-op', async () => {
    const first = await world.converge(pool(poolSpec()));
    expect(first.action).toBe('create');
    const nodes = await world.nodes(poolName);
    expect(nodes.map((n) => n.name)).toEqual([0, 1, 2, 3].map((i) => `${poolName}-${i}`));
    expect(nodes.every((n) => n.state === 'running')).toBe(true);
    const perHost = world.hostNames.map((h) => nodes.filter((n) => n.host === h).length);
    expect(perHost).toEqual([2, 2]);
    const again = await world.plan(pool(poolSpec()));
    expect(again.diff).toEqual({ action: 'noop', changes: [] });
    expect(again.observed.hosts.flatMap((h) => h.nodes).every((n) => n.healthy === true)).toBe(true);
  });

  it('shrinks 4 -> 3 by removing the newest node only', async () => {
    const before = await world.nodes(poolName);
    const newest = [...before].sort((a, b) => (a.created < b.created ? 1 : -1))[0];
    const diff = await world.converge(pool(poolSpec({ replicas: 3 })));
    expect(diff.changes.map((c) => c.path)).toEqual(['nodes.remove']);
    const after = await world.nodes(poolName);
    expect(after).toHaveLength(3);
    expect(after.map((n) => n.id)).not.toContain(newest?.id);
    expect(after.map((n) => n.id).every((id) => before.some((b) => b.id === id))).toBe(true);
    expect((await world.plan(pool(poolSpec({ replicas: 3 })))).diff.action).toBe('noop');
  });

  it('rolls a changed spec out one node at a time, health-checked', async () => {
    const before = await world.nodes(poolName);
    const since = (Date.now() / 1000).toFixed(3);
    const spec = poolSpec({ replicas: 3, version: '2' });
    const diff = await world.converge(pool(spec));
    expect(diff.changes.map((c) => c.path)).toEqual(['nodes.deploy']);
    const after = await world.nodes(poolName);
    expect(after.map((n) => n.name)).toEqual(before.map((n) => n.name));
    expect(new Set(after.map((n) => n.spec)).size).toBe(1);
    expect(after[0]?.spec).not.toBe(before[0]?.spec);
    expect(after.every((n) => n.state === 'running')).toBe(true);

    // The old container stops under `<name>.retiring` while the new one starts (bridge network, no ports): one
    // die and one start per node, node after node, and never two nodes without a running container.
    const names = new Set(before.map((n) => n.name));
    const events = (await world.events(poolName, since))
      .map((e) => ({ ...e, name: e.name.replace(/\.retiring$/, '') }))
      .filter((e) => names.has(e.name));
    const down = new Set<string>();
    const started = new Set<string>();
    let maxDown = 0;
    for (const e of events) {
      if (e.status === 'die' && !started.has(e.name)) down.add(e.name);
      if (e.status === 'start') {
        started.add(e.name);
        down.delete(e.name);
      }
      maxDown = Math.max(maxDown, down.size);
    }
    const byNode = events.map((e) => e.name).filter((n, i, all) => all[i - 1] !== n);
    expect(byNode).toEqual(before.map((n) => n.name));
    for (const n of before) expect(events.filter((e) => e.name === n.name).map((e) => e.status).sort()).toEqual(['die', 'start']);
    expect(maxDown).toBeLessThanOrEqual(1);
    expect((await world.plan(pool(spec))).diff.action).toBe('noop');
  });

  it('restores a node removed by hand as drift', async () => {
    const spec = poolSpec({ replicas: 3, version: '2' });
    const before = await world.nodes(poolName);
    const victim = before[1];
    await labDocker().getContainer(victim?.id ?? '').remove({ force: true });
    const { diff } = await world.plan(pool(spec));
    expect(diff.changes.map((c) => c.path)).toEqual(['nodes.create']);
    await world.converge(pool(spec));
    const after = await world.nodes(poolName);
    expect(after).toHaveLength(3);
    expect(after.map((n) => n.id)).not.toContain(victim?.id);
    const fresh = after.filter((n) => !before.some((b) => b.id === n.id));
    expect(fresh).toHaveLength(1);
    const perHost = world.hostNames.map((h) => after.filter((n) => n.host === h).length);
    expect(Math.max(...perHost) - Math.min(...perHost)).toBeLessThanOrEqual(1);
    expect((await world.plan(pool(spec))).diff.action).toBe('noop');
  });

  it('restarts a node stopped by hand, reported as drift', async () => {
    const spec = poolSpec({ replicas: 3, version: '2' });
    const victim = (await world.nodes(poolName))[0];
    await labDocker().getContainer(victim?.id ?? '').stop({ t: 1 });
    const { diff } = await world.plan(pool(spec));
    expect(diff).toMatchObject({ action: 'update', reason: 'DriftDetected', changes: [{ path: 'nodes.restore', before: [`${victim?.name}@${victim?.host} (exited)`] }] });
    await world.converge(pool(spec));
    const after = await world.nodes(poolName);
    expect(after.map((n) => [n.name, n.state])).toEqual(after.map((n) => [n.name, 'running']));
    expect(after.map((n) => n.name)).toContain(victim?.name);
    expect((await world.plan(pool(spec))).diff.action).toBe('noop');
  });
});
