/**
 * A rolling deploy of a new image (maxInFlight 1: canary 1, then batches of 1, at most 1 unavailable) while a
 * bounded load generator (stop file or 20000 rounds) inside host a requests BOTH nodes' service port every
 * round, recording every failed request per node.
 *
 * What the design promises for a pool WITHOUT a load balancer in front (no register/unregister wired): a node
 * being replaced is stopped, then its successor started and health-checked, so requests to THAT node fail for
 * its replacement window; nothing drains it. What it does promise, and what is asserted:
 *   - never both nodes down in the same round (maxInFlight 1: the next node is only touched after the previous
 *     one's successor passed its health check);
 *   - each node's failures form one contiguous window (its replacement), and the two windows do not overlap;
 *   - the other node kept serving through the first node's window, and every node serves the new image after.
 * Zero failures are only promised behind nginx / SLB, where the node leaves the upstream first: that is asserted
 * in test/kinds/nginx-unit/membership.test.ts.
 *
 * Ports: lab hosts here share the outer engine (sibling containers), where two nodes cannot publish the same
 * port; so nodes run on the host network, which the lab maps to each host's own network namespace, and the load
 * hits `<host ip>:9191` the way a client hits a machine's port. The same rollout through PUBLISHED ports, on hosts
 * with their own engine, is in pool-own-engine.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import { labDocker } from '../../harness/docker.js';
import { createPoolWorld, type PoolWorld } from './fixture.js';
import { expectOneNodeAtATime, startLoad, type LoadRecord } from './load.js';

const PORT = 9191;
let world: PoolWorld;
const tags: string[] = [];

beforeAll(async () => {
  world = await createPoolWorld(2, 'poolld');
});

afterAll(async () => {
  await world?.close();
  for (const t of tags) await labDocker().getImage(t).remove({ noprune: true }).catch(() => undefined);
});

/** Tags the host image as `repo:tag`, so a deploy changes the image reference (same content is fine). */
async function tagImage(repo: string, tag: string): Promise<string> {
  await labDocker().getImage(world.image).tag({ repo, tag });
  tags.push(`${repo}:${tag}`);
  return `${repo}:${tag}`;
}

describe('rollout under load without a load balancer', () => {
  it('replaces one node at a time: never both down, one failure window per node, all on the new image after', async () => {
    const name = `ld-${randomBytes(3).toString('hex')}`;
    const pool = (image: string, version: string) =>
      world.res<PoolSpec>('Pool', name, {
        service: 'web',
        hosts: { names: world.hostNames },
        mode: 'one-per-host',
        replicas: 2,
        container: {
          image,
          env: { VERSION: version },
          command: ['sh', '-c', `mkdir -p /tmp/w && echo "$VERSION" > /tmp/w/index.html && cd /tmp/w && exec python3 -m http.server ${PORT}`],
          network: 'host',
        },
        rollout: { canary: 1, batchSize: 1, maxUnavailable: 1 },
        healthCheck: { http: { port: PORT, path: '/' }, timeout: '20s', interval: '100ms' },
      });
    const repo = `driftless-load-${name}`;
    await world.converge(pool(await tagImage(repo, 'v1'), 'v1'));
    const before = await world.nodes(name);
    expect(before.map((n) => n.state)).toEqual(['running', 'running']);

    const a = world.th.hosts[0]!;
    const ips = await Promise.all(world.th.hosts.map(async (h) => (await h.exec("ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1")).stdout.trim()));
    const load = await startLoad(a, ips.map((ip) => `http://${ip}:${PORT}/`));
    let record: LoadRecord;
    try {
      await world.converge(pool(await tagImage(repo, 'v2'), 'v2'));
    } finally {
      record = await load.stop();
    }
    expectOneNodeAtATime(record);

    const after = await world.nodes(name);
    expect(after.map((n) => n.state)).toEqual(['running', 'running']);
    expect(after.every((n) => n.spec !== before[0]?.spec)).toBe(true);
    for (const ip of ips) expect((await a.exec(`curl -s -m 5 http://${ip}:${PORT}/`)).stdout.trim()).toBe('v2');
  });
});
