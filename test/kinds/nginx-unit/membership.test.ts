/**
 * Real nginx on two lab hosts in front of a real pool, membership through the pool's register/unregister seam:
 * a node joins after its health check, requests reach it after expand; a rollout under a bounded request loop
 * run inside a host records zero failed requests (each node leaves the upstream, and the reload has taken effect,
 * before it is stopped); after shrink the removed node gets no more requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHistory } from '../../../src/kinds/nginx-unit/history.js';
import { createNginxDiscovery } from '../../../src/kinds/nginx-unit/discovery.js';
import type { NginxUnitSpec } from '../../../src/kinds/nginx-unit/spec.js';
import type { NginxUpstreamSpec } from '../../../src/kinds/nginx-upstream/spec.js';
import { createPoolKind } from '../../../src/kinds/pool/index.js';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import type { Resource } from '../../../src/model/resource.js';
import { createNginxWorld, type NginxWorld } from './fixture.js';

let w: NginxWorld;
const pools = createPoolKind({ discovery: createNginxDiscovery() });

beforeAll(async () => {
  w = await createNginxWorld(2, 'ngxmem');
});

afterAll(async () => {
  await w?.close();
});

const pool = (replicas: number, version: string) =>
  w.res<PoolSpec>('Pool', 'api', {
    service: 'api',
    hosts: { names: w.hostNames },
    mode: 'one-per-host',
    replicas,
    container: {
      image: w.image,
      command: ['sh', '-c', `mkdir -p /tmp/w && echo "$(hostname -I | cut -d' ' -f1)-${version}" > /tmp/w/index.html && cd /tmp/w && exec python3 -m http.server 9090`],
      network: 'host',
    },
    healthCheck: { http: { port: 9090, path: '/' }, timeout: '20s', interval: '200ms' },
  });
const upstream = () => w.res<NginxUpstreamSpec>('NginxUpstream', 'api', { group: 'shop', pools: [{ pool: 'api', port: 9090, addressOf: 'private' }], keepalive: 8 });
const unit = () => w.res<NginxUnitSpec>('NginxUnit', 'edge', { group: 'shop', hosts: { names: w.hostNames }, upstreams: ['api'], vars: { upstream: 'api', listen: 8090 } });
const service = () => w.res('Service', 'api', { cluster: 'c' });
const world = (p: Resource<PoolSpec>): Resource[] => [p, service(), w.res('NginxGroup', 'shop', {}), upstream(), unit()];

async function convergePool(p: Resource<PoolSpec>): Promise<void> {
  const ctx = w.nginxCtx(world(p));
  const observed = await pools.observe(p, ctx);
  const diff = pools.diff(p, observed);
  if (diff.action === 'noop') return;
  await pools.apply({ key: 'Pool/api', kind: 'Pool', name: 'api', action: diff.action, wave: 0, changes: diff.changes, dependsOn: [], digest: 'd', desired: p, observed }, ctx);
}

/** Bodies of `n` requests through nginx on host i. */
async function bodies(i: number, n: number): Promise<string[]> {
  const r = await w.th.hosts[i]!.exec(`for k in $(seq 1 ${n}); do curl -s -m 5 http://127.0.0.1:8090/; echo; done`);
  return r.stdout.split('\n').filter(Boolean);
}

async function ipOf(i: number): Promise<string> {
  return (await w.th.hosts[i]!.exec("hostname -I | cut -d' ' -f1")).stdout.trim();
}

describe('upstream membership follows the pool', () => {
  it('serves the first node, reaches a new member after expand, loses no request in a rollout, drops a removed node', async () => {
    const ips = new Map([[w.hostNames[0], await ipOf(0)], [w.hostNames[1], await ipOf(1)]]);
    const ipOfNode = async () => (await w.nodes('api')).filter((n) => n.state === 'running').map((n) => ips.get(n.host) as string);
    await convergePool(pool(1, 'v1'));
    const [first] = await ipOfNode();
    await w.apply(unit(), world(pool(1, 'v1')).filter((r) => r.kind !== 'NginxUnit'));
    expect(new Set(await bodies(1, 4))).toEqual(new Set([`${first}-v1`]));

    await convergePool(pool(2, 'v1'));
    const both = (await ipOfNode()).sort();
    expect(both).toHaveLength(2);
    const second = both.find((ip) => ip !== first) as string;
    expect(new Set(await bodies(1, 6))).toEqual(new Set(both.map((ip) => `${ip}-v1`)));
    const registered = (await readHistory(w.nginxCtx([]).store, 'edge')).filter((r) => r.type === 'change' && r.cause.startsWith('register'));
    expect(registered.at(-1)).toMatchObject({ file: 'upstream/api.upstream', added: [`${second}:9090`], removed: [] });

    // A bounded request loop inside host b, running until the rollout is over (a stop file) or 20000 requests.
    const load = w.th.hosts[1]!.exec(
      'rm -f /tmp/stop; ok=0; bad=0; i=0; while [ ! -f /tmp/stop ] && [ $i -lt 20000 ]; do i=$((i+1)); c=$(curl -s -o /dev/null -m 5 -w "%{http_code}" http://127.0.0.1:8090/); if [ "$c" = 200 ]; then ok=$((ok+1)); else bad=$((bad+1)); fi; done; echo "ok=$ok bad=$bad"',
    );
    try {
      await convergePool(pool(2, 'v2'));
    } finally {
      await w.th.hosts[1]!.exec('touch /tmp/stop');
    }
    const counts = (await load).stdout.trim();
    const m = /ok=(\d+) bad=(\d+)/.exec(counts);
    expect(m, counts).not.toBeNull();
    expect(Number(m?.[2])).toBe(0);
    expect(Number(m?.[1])).toBeGreaterThan(20);
    expect(new Set(await bodies(1, 6))).toEqual(new Set(both.map((ip) => `${ip}-v2`)));

    await convergePool(pool(1, 'v2'));
    const left = await ipOfNode();
    expect(left).toHaveLength(1);
    expect(new Set(await bodies(1, 6))).toEqual(new Set([`${left[0]}-v2`]));
    const unit1 = await w.plan(unit(), world(pool(1, 'v2')).filter((r) => r.kind !== 'NginxUnit'));
    expect(unit1.diff.action).toBe('noop');
  });
});
