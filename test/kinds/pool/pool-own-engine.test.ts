/**
 * A pool on hosts that each run their OWN Docker engine, like real machines (issue 4's test setup): docker.io
 * inside the lab host, started with the capabilities that work here (not --privileged), an image pulled by the
 * inner engines from a real registry reached on the Docker bridge gateway (listed as insecure). Expand 0 -> 2:
 * each node runs inside its host's engine (the outer engine has no node container) and serves on the port it
 * publishes on its host. Then a new image rolled out with maxInFlight 1 while a load generator in host a hits
 * both hosts' published ports: every failure is recorded; without a load balancer the promise is one node at a
 * time (see pool-load.test.ts for why and for what is asserted).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import { labDocker } from '../../harness/docker.js';
import { seedBaseImage, startRegistry, type TestRegistry } from '../../harness/registry.js';
import { bridgeGateway, startTcpForward, type TcpForward } from '../../harness/tcp-forward.js';
import { createPoolWorld, type PoolWorld } from './fixture.js';
import { expectOneNodeAtATime, startLoad, type LoadRecord } from './load.js';

const PUBLISHED = 18080;
const ethIp = "ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1";
let world: PoolWorld;
let registry: TestRegistry;
let forward: TcpForward;
let innerRef: string;
let registryRef: (ref: string) => string;

beforeAll(async () => {
  const docker = labDocker();
  registry = await startRegistry();
  const outerRef = await seedBaseImage(docker, registry, 'pool/web:1');
  forward = await startTcpForward(await bridgeGateway(docker), Number(registry.address.split(':')[1]));
  registryRef = (ref) => ref.replace(registry.address, forward.address);
  innerRef = registryRef(outerRef);
  world = await createPoolWorld(2, 'poolown', { ownEngine: { insecureRegistries: [forward.address] } });
}, 300_000);

afterAll(async () => {
  await world?.close();
  await forward?.stop();
  await registry?.stop();
});

describe('pool on hosts with their own docker engine', () => {
  it('expands 0 -> 2: each host pulls the image from the registry on the bridge gateway and serves on its published port', async () => {
    const name = `own-${randomBytes(3).toString('hex')}`;
    const pool = (replicas: number) =>
      world.res<PoolSpec>('Pool', name, {
        service: 'web',
        hosts: { names: world.hostNames },
        mode: 'one-per-host',
        replicas,
        container: {
          image: innerRef,
          command: ['sh', '-c', 'mkdir -p /tmp/w && hostname > /tmp/w/index.html && cd /tmp/w && exec python3 -m http.server 8080'],
          ports: [{ container: 8080, host: PUBLISHED }],
          network: 'bridge',
        },
        healthCheck: { http: { port: 8080, path: '/' }, timeout: '60s', interval: '200ms' },
      });
    for (const h of world.th.hosts) expect((await h.exec('/usr/bin/docker ps -q | wc -l')).stdout.trim()).toBe('0');
    await world.converge(pool(0));
    expect((await world.plan(pool(2))).diff.action).not.toBe('noop');
    await world.converge(pool(2));

    const ips: string[] = [];
    for (const h of world.th.hosts) {
      const ps = await h.exec(`/usr/bin/docker ps --filter label=driftless.pool=${name} --format '{{.Image}} {{.State}} {{.Ports}}'`);
      expect(ps.stdout.trim()).toMatch(new RegExp(`^${innerRef.replace(/[.:/]/g, '\\$&')} running .*:${PUBLISHED}->8080/tcp`));
      // eth0, not `hostname -I`: the inner engine's docker0 (172.17.0.1 on every host) may come first.
      ips.push((await h.exec(ethIp)).stdout.trim());
    }
    expect(await world.nodes(name)).toEqual([]);
    const a = world.th.hosts[0]!;
    const served = await Promise.all(ips.map(async (ip) => (await a.exec(`curl -s -m 5 http://${ip}:${PUBLISHED}/`)).stdout.trim()));
    expect(served).toHaveLength(2);
    expect(new Set(ips).size, JSON.stringify(ips)).toBe(2);
    expect(new Set(served).size, JSON.stringify(served)).toBe(2);
    expect((await world.plan(pool(2))).diff.action).toBe('noop');
  }, 300_000);

  it('rolls a new image out one node at a time while load hits both published ports; every failure recorded', async () => {
    const name = `ownld-${randomBytes(3).toString('hex')}`;
    const v2 = registryRef(await seedBaseImage(labDocker(), registry, 'pool/web:2'));
    const pool = (image: string, version: string) =>
      world.res<PoolSpec>('Pool', name, {
        service: 'web',
        hosts: { names: world.hostNames },
        mode: 'one-per-host',
        replicas: 2,
        container: {
          image,
          env: { VERSION: version },
          command: ['sh', '-c', 'mkdir -p /tmp/w && echo "$VERSION" > /tmp/w/index.html && cd /tmp/w && exec python3 -m http.server 8080'],
          ports: [{ container: 8080, host: PUBLISHED + 1 }],
          network: 'bridge',
        },
        rollout: { canary: 1, batchSize: 1, maxUnavailable: 1 },
        healthCheck: { http: { port: 8080, path: '/' }, timeout: '60s', interval: '100ms' },
      });
    await world.converge(pool(innerRef, 'v1'));
    const ips = await Promise.all(world.th.hosts.map(async (h) => (await h.exec(ethIp)).stdout.trim()));
    const urls = ips.map((ip) => `http://${ip}:${PUBLISHED + 1}/`);
    const a = world.th.hosts[0]!;
    const load = await startLoad(a, urls);
    let record: LoadRecord;
    try {
      await world.converge(pool(v2, 'v2'));
    } finally {
      record = await load.stop();
    }
    expectOneNodeAtATime(record);
    for (const u of urls) expect((await a.exec(`curl -s -m 5 ${u}`)).stdout.trim()).toBe('v2');
    for (const h of world.th.hosts) {
      expect((await h.exec(`/usr/bin/docker ps --filter label=driftless.pool=${name} --format '{{.Image}}'`)).stdout.trim()).toBe(v2);
    }
  }, 300_000);
});
