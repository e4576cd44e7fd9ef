/**
 * What a pool never does: touch a container that is not its own (even one squatting a node's name), or act on
 * guesses when a host does not answer — its nodes are neither counted, replaced elsewhere nor removed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { StalledError } from '../../../src/errors.js';
import { poolKind } from '../../../src/kinds/pool/index.js';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import type { Resource } from '../../../src/model/resource.js';
import { labDocker } from '../../harness/docker.js';
import { createPoolWorld, type PoolWorld } from './fixture.js';

let world: PoolWorld;

beforeAll(async () => {
  world = await createPoolWorld(2, 'poolsf');
});

afterAll(async () => {
  await world?.close();
});

const pool = (name: string): Resource<PoolSpec> =>
  world.res<PoolSpec>('Pool', name, {
    service: 'web',
    hosts: { names: world.hostNames },
    container: { image: world.image, command: ['python3', '-m', 'http.server', '8080'], network: 'bridge' },
    healthCheck: { tcp: { port: 8080 }, timeout: '20s', interval: '200ms' },
  });

it('leaves a foreign container with a node name alone and fails that node', async () => {
  const name = `own-${randomBytes(3).toString('hex')}`;
  const docker = labDocker();
  const squatter = await docker.createContainer({ name: `${name}-0`, Image: world.image, Cmd: ['sleep', '600'], Labels: { [`${name}-squatter`]: '1' } });
  try {
    await squatter.start();
    const err = await world.converge(pool(name)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StalledError);
    expect((err as Error).message).toContain(`container ${name}-0 exists and is not a node of pool ${name}; not touching it`);
    expect((await squatter.inspect()).State.Running).toBe(true);
    const nodes = await world.nodes(name);
    expect(nodes.map((n) => n.name)).toEqual([`${name}-1`]);
  } finally {
    await squatter.remove({ force: true });
  }
});

it('neither counts, replaces nor removes the nodes of a host that does not answer', async () => {
  const name = `down-${randomBytes(3).toString('hex')}`;
  await world.converge(pool(name));
  const before = await world.nodes(name);
  expect(before.map((n) => n.host).sort()).toEqual([...world.hostNames].sort());
  const gone = world.th.hosts[1]!;
  await gone.stop();
  try {
    const { diff, observed } = await world.plan(pool(name));
    expect(diff.action).toBe('noop');
    const down = observed.hosts.find((h) => h.host === gone.name);
    expect(down?.reachable).toBe(false);
    expect(poolKind.health(observed)).toMatchObject({ status: 'Degraded' });
    expect((await world.nodes(name)).map((n) => [n.id, n.state])).toEqual(before.map((n) => [n.id, 'running']));
  } finally {
    await gone.start();
  }
});
