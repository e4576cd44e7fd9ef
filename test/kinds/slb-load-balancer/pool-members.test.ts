/**
 * Backends that follow a real pool on two lab hosts: each host running a healthy node puts its ECS instance in
 * (one from the host's instance-id label, one from the spec's mapping); the discovery hook takes a node's
 * instance out before the pool stops it and puts it back on register; and when the pool shrinks off a host, the
 * next plan removes only that backend.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlbRegistry } from '../../../src/drivers/aliyun/slb.js';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import { createSlbDiscovery } from '../../../src/kinds/slb-load-balancer/discovery.js';
import { slbLoadBalancerKind } from '../../../src/kinds/slb-load-balancer/index.js';
import { INSTANCE_ID_LABEL, type SlbLoadBalancerSpec, type SlbObserved } from '../../../src/kinds/slb-load-balancer/spec.js';
import type { KindContext } from '../../../src/kinds/types.js';
import type { Resource } from '../../../src/model/resource.js';
import { startSlbEmulator, type SlbEmulator } from '../../harness/aliyun-slb.js';
import { createPoolWorld, type PoolWorld } from '../pool/fixture.js';

const KEY = { id: 'ak-slb-pool', secret: 'sk-slb-pool' };
let world: PoolWorld;
let slb: SlbEmulator;
const poolName = `slbweb-${randomBytes(3).toString('hex')}`;
const slbRegistry = createSlbRegistry({ baseDelayMs: 20 });

const pool = (hosts: string[]): Resource<PoolSpec> =>
  world.res<PoolSpec>('Pool', poolName, {
    service: 'web',
    hosts: { names: hosts },
    mode: 'one-per-host',
    container: { image: world.image, command: ['python3', '-m', 'http.server', '8080'], network: 'bridge', restartPolicy: { condition: 'none' } },
    healthCheck: { http: { port: 8080, path: '/' }, timeout: '30s', interval: '200ms' },
  });

const lb = (): Resource<SlbLoadBalancerSpec> =>
  world.res<SlbLoadBalancerSpec>('SlbLoadBalancer', 'web-slb', {
    account: { accessKeyId: { secret: 'slb-ak' }, accessKeySecret: { secret: 'slb-sk' }, endpoint: slb.endpoint },
    region: 'cn-beijing',
    listeners: [{ protocol: 'tcp', port: 80, backendPort: 8080 }],
    backends: { pools: [{ pool: poolName, weight: 70 }], instanceIds: { [world.hostNames[1]!]: 'i-second' } },
  });

/** Hosts as the world declares them, the first labelled with its instance id. */
function resources(p: Resource<PoolSpec>): Resource[] {
  const hosts = world.hostResources().map((h, i) => (i === 0 ? { ...h, metadata: { ...h.metadata, labels: { ...h.metadata.labels, [INSTANCE_ID_LABEL]: 'i-first' } } } : h));
  return [...hosts, p, lb()];
}

function ctxFor(p: Resource<PoolSpec>): KindContext {
  const ctx = world.ctxFor(resources(p));
  return { ...ctx, drivers: { ...ctx.drivers, slb: slbRegistry } };
}

async function converge(p: Resource<PoolSpec>): Promise<{ action: string; changes: string[] }> {
  const ctx = ctxFor(p);
  const observed = (await slbLoadBalancerKind.observe(lb(), ctx)) as SlbObserved;
  const diff = slbLoadBalancerKind.diff(lb(), observed);
  if (diff.action !== 'noop') {
    await slbLoadBalancerKind.apply({ key: 'SlbLoadBalancer/web-slb', kind: 'SlbLoadBalancer', name: 'web-slb', action: diff.action, wave: 0, changes: diff.changes, dependsOn: [], digest: 'd', desired: lb(), observed }, ctx);
  }
  return { action: diff.action, changes: diff.changes.map((c) => c.path) };
}

const backends = () => Object.fromEntries([...slb.state.balancers.values()][0]?.backends ?? []);

beforeAll(async () => {
  world = await createPoolWorld(2, 'slbpool');
  slb = await startSlbEmulator({ accessKeyId: KEY.id, accessKeySecret: KEY.secret });
  world.addSecret('slb-ak', { value: KEY.id, allow: { urls: [slb.endpoint] } });
  world.addSecret('slb-sk', { value: KEY.secret, allow: { urls: [slb.endpoint] } });
});
afterAll(async () => {
  await slb?.close();
  await world?.close();
});

describe('SLB backends following a pool on real hosts', () => {
  it('puts the instance of every host with a healthy node in, with the pool weight', async () => {
    await world.converge(pool(world.hostNames));
    const first = await converge(pool(world.hostNames));
    expect(first.action).toBe('create');
    expect(backends()).toEqual({ 'i-first': 70, 'i-second': 70 });
    expect((await converge(pool(world.hostNames))).action).toBe('noop');
  });

  it('unregister takes the instance out before the node stops; register puts it back', async () => {
    const p = pool(world.hostNames);
    const nodes = (await world.nodes(poolName)).filter((n) => n.host === world.hostNames[0]);
    expect(nodes).toHaveLength(1);
    const ref = { pool: poolName, service: 'web', name: nodes[0]!.name, host: world.hostNames[0]!, address: '127.0.0.1', ports: [8080] };
    const hook = createSlbDiscovery();
    await hook.unregister([ref], ctxFor(p));
    expect(backends()).toEqual({ 'i-second': 70 });
    await hook.register([ref], ctxFor(p));
    expect(backends()).toEqual({ 'i-first': 70, 'i-second': 70 });
  });

  it('removes only the backend of the host the pool shrank off', async () => {
    const smaller = pool([world.hostNames[0]!]);
    await world.converge(smaller);
    expect((await world.nodes(poolName)).filter((n) => n.state === 'running').map((n) => n.host)).toEqual([world.hostNames[0]]);
    const mark = slb.log.length;
    const shrink = await converge(smaller);
    expect(shrink).toEqual({ action: 'update', changes: ['backends.remove'] });
    expect(slb.log.slice(mark).filter((l) => !l.code && /^(Add|Remove|Set)/.test(l.action)).map((l) => l.action)).toEqual(['RemoveBackendServers']);
    expect(backends()).toEqual({ 'i-first': 70 });
  });
});
