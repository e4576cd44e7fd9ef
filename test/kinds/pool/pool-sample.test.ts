/**
 * The sample repo's pool and OpenDCP-style templates on real hosts, with the image in a real registry behind
 * htpasswd auth (nothing is pulled from the Internet): without credentials the template's pull step fails and
 * no node starts; with `registryAuth` (a secret reference) the hosts log in and the nodes come up healthy.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FailedError } from '../../../src/errors.js';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import { createKindRegistry } from '../../../src/kinds/registry.js';
import { loadRepo } from '../../../src/loader/index.js';
import type { Resource } from '../../../src/model/resource.js';
import { REPO_ROOT } from '../../harness/cli.js';
import { labDocker } from '../../harness/docker.js';
import { seedBaseImage, startRegistry, type TestRegistry } from '../../harness/registry.js';
import { createPoolWorld, type PoolWorld } from './fixture.js';

let world: PoolWorld;
let registry: TestRegistry;

beforeAll(async () => {
  [world, registry] = await Promise.all([createPoolWorld(2, 'poolsm'), startRegistry({ auth: { username: 'deploy', password: 's3cret-pw' } })]);
});

afterAll(async () => {
  await world?.close();
  await registry?.stop();
});

it('runs the sample templates with an image from an authenticated registry', async () => {
  const loaded = await loadRepo(join(REPO_ROOT, 'sample-repo'), { registry: createKindRegistry() });
  expect(loaded.problems).toEqual([]);
  const templates = loaded.resources.filter((r) => ['Command', 'CommandGroup', 'TaskTemplate'].includes(r.kind));
  const sample = loaded.resources.find((r) => r.kind === 'Pool' && r.metadata.name === 'feed-web') as Resource<PoolSpec>;
  const image = await seedBaseImage(labDocker(), registry, `feed/web-${randomBytes(3).toString('hex')}:1.0`);
  await labDocker().getImage(image).remove();
  world.addSecret('feed-registry', { value: 's3cret-pw', allow: { registries: [registry.address] } });
  const name = `feed-web-${randomBytes(3).toString('hex')}`;
  const pool = (auth: boolean): Resource<PoolSpec> =>
    world.res<PoolSpec>('Pool', name, {
      ...sample.spec,
      hosts: { names: world.hostNames },
      container: {
        ...sample.spec.container,
        image,
        command: ['python3', '-m', 'http.server', '8080'],
        ...(auth ? { registryAuth: { username: 'deploy', password: { secret: 'feed-registry' } } } : {}),
      },
    });

  const denied = await world.converge(pool(false), templates).then(
    () => undefined,
    (e: unknown) => e,
  );
  // A command that ran and failed (the pull, refused without credentials): the run is Failed, tried again next run.
  expect(denied).toBeInstanceOf(FailedError);
  expect((denied as Error).message).toMatch(/step start-service-prepare: Command\/pull-image exited 1/);
  expect(await world.nodes(name)).toEqual([]);

  await world.converge(pool(true), templates);
  const nodes = await world.nodes(name);
  expect(nodes.map((n) => [n.host, n.state]).sort()).toEqual(world.hostNames.map((h) => [h, 'running']).sort());
  const { diff, observed } = await world.plan(pool(true), templates);
  expect(diff.action).toBe('noop');
  expect(observed.hosts.flatMap((h) => h.nodes).every((n) => n.healthy === true)).toBe(true);
});
