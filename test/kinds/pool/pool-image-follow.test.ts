/**
 * A Pool that references an ImageProject WITHOUT a pinned tag, on real parts (lab hosts, a docker-registry, a Git
 * smart-HTTP server with the media, the engine planning and applying both kinds): the nodes run exactly the image
 * the project built for its media commit, by manifest digest; a new media commit shows in the plan as an image
 * change, the project builds a new tag and the same apply rolls the pool onto it; a pool whose project has not
 * built its image yet waits (DependencyNotReady) instead of failing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDockerDriver } from '../../../src/drivers/docker/index.js';
import { createEngine } from '../../../src/engine/index.js';
import { WaitingError } from '../../../src/errors.js';
import { imageProjectKind, type ImageProjectSpec } from '../../../src/kinds/image-project/index.js';
import { poolKind } from '../../../src/kinds/pool/index.js';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import type { KindRegistry } from '../../../src/kinds/types.js';
import type { Plan, TaskResult } from '../../../src/model/plan.js';
import type { Resource } from '../../../src/model/resource.js';
import { labDocker } from '../../harness/docker.js';
import { commitAll, initWorkRepo, push } from '../../harness/git-cli.js';
import { startGitServer, type GitServer } from '../../harness/git-server.js';
import { seedBaseImage, startRegistry, type TestRegistry } from '../../harness/registry.js';
import { tempDir } from '../../harness/tmp.js';
import { createPoolWorld, type PoolWorld } from './fixture.js';

const driver = createDockerDriver();
let world: PoolWorld;
let registry: TestRegistry;
let git: GitServer;
let mediaWork: string;
let base: string;

const engine = createEngine({
  registry: new Map<string, unknown>([
    ['ImageProject', imageProjectKind],
    ['Pool', poolKind],
  ]) as KindRegistry,
  options: { concurrency: 2, retry: { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 }, health: { timeoutMs: 60_000, intervalMs: 300 } },
});

beforeAll(async () => {
  [world, registry, git] = await Promise.all([createPoolWorld(1, 'poolfw', { docker: driver }), startRegistry(), startGitServer()]);
  base = await seedBaseImage(labDocker(), registry);
  await git.createBareRepo('media.git');
  mediaWork = tempDir('follow-media');
  await initWorkRepo(mediaWork);
}, 600_000);

afterAll(async () => {
  await world?.close();
  await git?.stop();
  await registry?.stop();
});

async function commitMedia(version: string): Promise<string> {
  mkdirSync(mediaWork, { recursive: true });
  writeFileSync(join(mediaWork, 'VERSION'), `${version}\n`);
  const commit = await commitAll(mediaWork, `media ${version}`);
  await push(mediaWork, git.url('media.git'), 'main');
  return commit;
}

/** Plans and applies the project and the pool as one revision, the way `driftless apply` does. */
async function reconcile(resources: Resource[]): Promise<{ plan: Plan; results: TaskResult[] }> {
  const ctx = world.ctxFor([...world.hostResources(), ...resources]);
  const prune = { enabled: false, kinds: [] };
  const plan = await engine.plan({ revision: 'test', resources, inventory: [], prune, ctx });
  const { results } = await engine.apply({ plan, inventory: [], prune, ctx });
  return { plan, results };
}

/** An ImageProject rebuilt under the fixed tag `stable`: an inline Dockerfile whose RUN line sees the RELEASE build arg. */
function fixedTagProject(name: string, repository: string, run: string): (release: string) => Resource<ImageProjectSpec> {
  return (release) =>
    world.res<ImageProjectSpec>('ImageProject', name, {
      repository,
      tag: { fixed: 'stable' },
      baseImage: base,
      buildArgs: { RELEASE: release },
      dockerfile: { inline: `ARG BASE_IMAGE\nFROM \${BASE_IMAGE}\nARG RELEASE\nRUN ${run}\n` },
    });
}

/** The node containers with the image they were started from and the media they serve. */
async function running(pool: string): Promise<{ id: string; image: string; version: string }[]> {
  const nodes = await world.nodes(pool);
  return Promise.all(
    nodes.map(async (n) => {
      const c = labDocker().getContainer(n.id);
      const info = await c.inspect();
      const exec = await c.exec({ Cmd: ['cat', '/app/VERSION'], AttachStdout: true });
      const stream = await exec.start({ hijack: true, stdin: false });
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        stream.on('data', (b: Buffer) => (text += b.toString('utf8')));
        stream.on('end', () => resolve(text));
        stream.on('error', reject);
      });
      return { id: n.id, image: info.Config.Image, version: out.replace(/[^0-9.]/g, '') };
    }),
  );
}

it('a pool without a pinned tag runs what its ImageProject built, and a new media commit rolls it in the same apply', async () => {
  const suffix = randomBytes(3).toString('hex');
  const repository = `${registry.address}/team/follow-${suffix}`;
  const project = world.res<ImageProjectSpec>('ImageProject', `web-${suffix}`, {
    repository,
    baseImage: base,
    media: { git: { url: git.url('media.git') }, dest: '/app' },
    dockerfile: { steps: [{ WORKDIR: '/app' }] },
  });
  const name = `follow-${suffix}`;
  const pool = world.res<PoolSpec>('Pool', name, {
    service: 'feed',
    hosts: { names: world.hostNames },
    container: { image: { project: project.metadata.name }, command: ['python3', '-m', 'http.server', '18080', '--directory', '/app'] },
    healthCheck: { http: { port: 18080, path: '/VERSION' }, timeout: '30s' },
  });

  const c1 = await commitMedia('1.0.0');
  const first = await reconcile([project, pool]);
  expect(first.results.map((r) => `${r.key} ${r.status} ${r.message ?? ''}`)).toEqual([`ImageProject/${project.metadata.name} succeeded `, `Pool/${name} succeeded `]);
  const planned = first.plan.tasks.find((t) => t.kind === 'Pool')?.changes.find((c) => c.path === 'container.image');
  expect(planned?.after).toBe(`${repository}:${c1.slice(0, 7)} (to be built by ImageProject/${project.metadata.name}, media ${c1.slice(0, 12)})`);
  const m1 = await driver.registryManifest(`${repository}:${c1.slice(0, 7)}`);
  expect(m1?.digest).toMatch(/^sha256:/);
  const v1 = await running(name);
  expect(v1.map((n) => [n.image, n.version])).toEqual([[`${repository}:${c1.slice(0, 7)}@${m1?.digest}`, '1.0.0']]);

  const again = await reconcile([project, pool]);
  expect(again.plan.tasks.map((t) => t.action)).toEqual(['noop', 'noop']);

  const c2 = await commitMedia('2.0.0');
  const ctx = world.ctxFor([...world.hostResources(), project, pool]);
  const observed = await poolKind.observe(pool, ctx);
  const diff = poolKind.diff(pool, observed);
  expect(diff.changes.find((c) => c.path === 'container.image')).toEqual({
    path: 'container.image',
    before: `${repository}:${c1.slice(0, 7)}@${m1?.digest}`,
    after: `${repository}:${c2.slice(0, 7)} (to be built by ImageProject/${project.metadata.name}, media ${c2.slice(0, 12)})`,
  });
  const task = { key: `Pool/${name}`, kind: 'Pool', name, action: diff.action, wave: 1, changes: diff.changes, dependsOn: [], digest: 'd', desired: pool, observed };
  const waited = await poolKind.apply(task, ctx).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(waited).toBeInstanceOf(WaitingError);
  expect((waited as WaitingError).reason).toBe('DependencyNotReady');
  expect((waited as Error).message).toContain(`waiting for ImageProject/${project.metadata.name} to build its image`);
  expect((await running(name)).map((n) => n.id)).toEqual(v1.map((n) => n.id));

  const second = await reconcile([project, pool]);
  expect(second.results.map((r) => `${r.key} ${r.status} ${r.message ?? ''}`)).toEqual([`ImageProject/${project.metadata.name} succeeded `, `Pool/${name} succeeded `]);
  const m2 = await driver.registryManifest(`${repository}:${c2.slice(0, 7)}`);
  expect(m2?.digest).not.toBe(m1?.digest);
  const v2 = await running(name);
  expect(v2.map((n) => [n.image, n.version])).toEqual([[`${repository}:${c2.slice(0, 7)}@${m2?.digest}`, '2.0.0']]);
  expect(v2[0]?.id).not.toBe(v1[0]?.id);
  expect((await reconcile([project, pool])).plan.tasks.map((t) => t.action)).toEqual(['noop', 'noop']);
}, 300_000);

it('a rebuild that overwrites the same fixed tag rolls a pool that follows the project (by digest)', async () => {
  const suffix = randomBytes(3).toString('hex');
  const repository = `${registry.address}/team/fixed-${suffix}`;
  const project = fixedTagProject(`fixed-${suffix}`, repository, 'mkdir -p /app && echo "$RELEASE" > /app/VERSION');
  const name = `fixed-${suffix}`;
  const pool = world.res<PoolSpec>('Pool', name, {
    service: 'feed',
    hosts: { names: world.hostNames },
    container: { image: { project: `fixed-${suffix}` }, command: ['sleep', 'infinity'] },
  });
  const first = await reconcile([project('1.0.0'), pool]);
  expect(first.results.map((r) => `${r.key} ${r.status} ${r.message ?? ''}`)).toEqual([`ImageProject/fixed-${suffix} succeeded `, `Pool/${name} succeeded `]);
  const d1 = (await driver.registryManifest(`${repository}:stable`))?.digest;
  expect((await running(name)).map((n) => [n.image, n.version])).toEqual([[`${repository}:stable@${d1}`, '1.0.0']]);

  const second = await reconcile([project('1.0.1'), pool]);
  expect(second.plan.tasks.find((t) => t.kind === 'Pool')?.changes.find((c) => c.path === 'container.image')).toEqual({
    path: 'container.image',
    before: `${repository}:stable@${d1}`,
    after: `${repository}:stable (to be built by ImageProject/fixed-${suffix})`,
  });
  expect(second.results.map((r) => `${r.key} ${r.status} ${r.message ?? ''}`)).toEqual([`ImageProject/fixed-${suffix} succeeded `, `Pool/${name} succeeded `]);
  const d2 = (await driver.registryManifest(`${repository}:stable`))?.digest;
  expect(d2).not.toBe(d1);
  expect((await running(name)).map((n) => [n.image, n.version])).toEqual([[`${repository}:stable@${d2}`, '1.0.1']]);
}, 300_000);

it('a failed canary of a pool that follows its project rolls back to the image the node ran before', async () => {
  const suffix = randomBytes(3).toString('hex');
  const repository = `${registry.address}/team/rb-${suffix}`;
  // 2.0.0 builds an image whose /app has no VERSION file: the health check (GET /VERSION) answers 404.
  const project = fixedTagProject(`rb-${suffix}`, repository, 'mkdir -p /app && if [ "$RELEASE" != 2.0.0 ]; then echo "$RELEASE" > /app/VERSION; fi');
  const name = `rb-${suffix}`;
  const pool = world.res<PoolSpec>('Pool', name, {
    service: 'feed',
    hosts: { names: world.hostNames },
    container: { image: { project: `rb-${suffix}` }, command: ['python3', '-m', 'http.server', '18081', '--directory', '/app'] },
    // The canary waits out the whole timeout; the rollback's node needs it under load (5 s was too short in CI).
    healthCheck: { http: { port: 18081, path: '/VERSION' }, timeout: '20s' },
    rollout: { failureAction: 'rollback' },
  });
  const first = await reconcile([project('1.0.0'), pool]);
  expect(first.results.map((r) => `${r.key} ${r.status}`)).toEqual([`ImageProject/rb-${suffix} succeeded`, `Pool/${name} succeeded`]);
  world.remember(pool);
  const d1 = (await driver.registryManifest(`${repository}:stable`))?.digest;
  const v1 = await running(name);
  expect(v1.map((n) => [n.image, n.version])).toEqual([[`${repository}:stable@${d1}`, '1.0.0']]);

  const second = await reconcile([project('2.0.0'), pool]);
  const failed = second.results.find((r) => r.key === `Pool/${name}`);
  expect(failed?.status).toBe('failed');
  expect(failed?.message).toMatch(/rolled back 1 node\(s\) to the previous spec/);
  const d2 = (await driver.registryManifest(`${repository}:stable`))?.digest;
  expect(d2).not.toBe(d1);
  const v2 = await running(name);
  expect(v2.map((n) => [n.image, n.version])).toEqual([[`${repository}:stable@${d1}`, '1.0.0']]);
  expect(v2[0]?.id).not.toBe(v1[0]?.id);
}, 300_000);

it('a plan reads the registry once for a project and the pool that follows it; without a plan memo, twice', async () => {
  const suffix = randomBytes(3).toString('hex');
  const repository = `${registry.address}/team/memo-${suffix}`;
  const project = fixedTagProject(`memo-${suffix}`, repository, 'true')('1.0.0');
  const pool = world.res<PoolSpec>('Pool', `memo-${suffix}`, {
    service: 'feed',
    hosts: { names: world.hostNames },
    container: { image: { project: `memo-${suffix}` }, command: ['sleep', 'infinity'] },
  });
  const base = world.ctxFor([...world.hostResources(), project, pool]);
  const docker = base.drivers.docker!;
  const reads: string[] = [];
  const counting: typeof docker = {
    ...docker,
    registryManifest: (ref, auth) => {
      reads.push(ref);
      return docker.registryManifest(ref, auth);
    },
  };
  const ctx = { ...base, drivers: { ...base.drivers, docker: counting } };
  const prune = { enabled: false, kinds: [] };
  const planWith = (c: typeof ctx): Promise<Plan> => engine.plan({ revision: 'test', resources: [project, pool], inventory: [], prune, ctx: c });

  // The project's inputs name its base image (by digest, from the registry) and its own tag's manifest.
  const unshared = await planWith(ctx);
  const twice = reads.splice(0).sort();
  const shared = await planWith({ ...ctx, planMemo: new Map() });
  const once = reads.splice(0).sort();
  expect(once).toContain(`${repository}:stable`);
  expect(new Set(once).size).toBe(once.length);
  expect(twice).toEqual([...once, ...once].sort());
  expect(shared.tasks.map((t) => [t.key, t.action, t.changes])).toEqual(unshared.tasks.map((t) => [t.key, t.action, t.changes]));
  expect(shared.tasks.find((t) => t.kind === 'Pool')?.changes.find((c) => c.path === 'container.image')?.after).toBe(
    `${repository}:stable (to be built by ImageProject/memo-${suffix})`,
  );
}, 120_000);
