/**
 * ImageProject against real parts: the harness's Docker engine, a real docker-registry (htpasswd auth) on
 * 127.0.0.1, and media / Dockerfiles served by a real Git smart-HTTP server; planned and applied by the engine.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerDriver } from '../../../src/drivers/docker/index.js';
import { createGitReader } from '../../../src/source/reader.js';
import type { DockerDriver, Drivers } from '../../../src/drivers/types.js';
import { createEngine } from '../../../src/engine/index.js';
import { buildLogDir } from '../../../src/kinds/image-project/apply.js';
import { imageProjectKind, type ImageProjectSpec } from '../../../src/kinds/image-project/index.js';
import type { KindContext, KindRegistry, Logger } from '../../../src/kinds/types.js';
import type { TaskResult } from '../../../src/model/plan.js';
import type { Resource } from '../../../src/model/resource.js';
import { testSecrets } from '../../harness/secrets.js';
import { labDocker } from '../../harness/docker.js';
import { commitAll, initWorkRepo, push } from '../../harness/git-cli.js';
import { startGitServer, type GitServer } from '../../harness/git-server.js';
import { seedBaseImage, startRegistry, type TestRegistry } from '../../harness/registry.js';
import { tempDir } from '../../harness/tmp.js';
import { createFileStore } from '../../../src/store/index.js';

const silent: Logger = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
const AUTH = { username: 'builder', password: 'reg-pass-7c1f' };

let registry: TestRegistry;
let gitServer: GitServer;
let docker: Docker;
let base: string;
let stateDir: string;
let mediaWork: string;
let builds = 0;
let driver: DockerDriver;
const engine = createEngine({
  registry: new Map([['ImageProject', imageProjectKind]]) as KindRegistry,
  options: { concurrency: 2, retry: { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 }, health: { timeoutMs: 30_000, intervalMs: 200 } },
});

function project(name: string, spec: Omit<ImageProjectSpec, 'baseImage' | 'registryAuth'> & { baseImage?: string }): Resource<ImageProjectSpec> {
  return {
    apiVersion: 'driftless.dev/v1',
    kind: 'ImageProject',
    metadata: { name },
    spec: { baseImage: base, registryAuth: { username: AUTH.username, password: { secret: 'registry-password' } }, ...spec },
    source: { file: `images/${name}.yaml`, line: 1, col: 1 },
  };
}

function context(resources: Resource[]): KindContext {
  return {
    drivers: { docker: driver, git: createGitReader() } as Drivers,
    secrets: testSecrets({
      'registry-password': { value: AUTH.password, allow: { registries: [registry.address] } },
      'wrong-password': { value: 'not-the-password', allow: { registries: [registry.address] } },
    }).resolver,
    resources: { get: () => undefined, list: () => [] },
    logger: silent,
    signal: new AbortController().signal,
    revision: 'test',
    repoDir: stateDir,
    store: createFileStore(stateDir),
    stateDir,
    inventory: { get: () => undefined },
  };
}

/** Plans and applies `resources`; returns the plan's actions by key and the results. */
async function reconcile(resources: Resource[]): Promise<{ actions: Record<string, string>; results: TaskResult[] }> {
  const ctx = context(resources);
  const prune = { enabled: false, kinds: [] };
  const plan = await engine.plan({ revision: 'test', resources, inventory: [], prune, ctx });
  const actions = Object.fromEntries(plan.tasks.map((t) => [t.key, t.action]));
  const { results } = await engine.apply({ plan, inventory: [], prune, ctx });
  return { actions, results };
}

/** Drops the engine's copy, pulls the tag back from the registry and runs `cmd` in it: proves what was pushed. */
async function runFromRegistry(ref: string, cmd: string[]): Promise<string> {
  await docker.getImage(ref).remove({ noprune: true }).catch(() => undefined);
  const stream = await docker.pull(ref, { authconfig: { ...AUTH, serveraddress: registry.address } });
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
  const c = await docker.createContainer({ Image: ref, Cmd: cmd, Tty: true, HostConfig: { AutoRemove: false } });
  try {
    await c.start();
    await c.wait();
    return (await c.logs({ stdout: true, stderr: true })).toString('utf8').trim();
  } finally {
    await c.remove({ force: true });
  }
}

async function commitMedia(version: string): Promise<string> {
  mkdirSync(join(mediaWork, 'dist'), { recursive: true });
  writeFileSync(join(mediaWork, 'dist', 'VERSION'), `${version}\n`);
  writeFileSync(join(mediaWork, 'README'), 'not part of the media subdir\n');
  const commit = await commitAll(mediaWork, `media ${version}`);
  await push(mediaWork, gitServer.url('media.git'), 'main');
  return commit;
}

beforeAll(async () => {
  docker = labDocker();
  registry = await startRegistry({ auth: AUTH });
  base = await seedBaseImage(docker, registry);
  gitServer = await startGitServer();
  await gitServer.createBareRepo('media.git');
  await gitServer.createBareRepo('dockerfiles.git');
  mediaWork = tempDir('media-work');
  await initWorkRepo(mediaWork);
  const dfWork = tempDir('df-work');
  await initWorkRepo(dfWork);
  mkdirSync(join(dfWork, 'images'));
  writeFileSync(join(dfWork, 'images', 'Dockerfile'), 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN echo from-git > /from-git.txt\n');
  await commitAll(dfWork, 'dockerfile');
  await push(dfWork, gitServer.url('dockerfiles.git'), 'main');
  stateDir = tempDir('image-state');
  const real = createDockerDriver();
  driver = { ...real, build: (o) => (builds++, real.build(o)) };
}, 600_000);

afterAll(async () => {
  await gitServer?.stop();
  await registry?.stop();
});

describe('ImageProject with real engine, registry and git', () => {
  it('steps + media: builds, pushes, runs; unchanged inputs plan noop with no build; a new media commit gets a new tag', async () => {
    const v1 = await commitMedia('1.0.0');
    const web = project('web', {
      repository: `${registry.address}/team/web`,
      media: { git: { url: gitServer.url('media.git'), subdir: 'dist' }, dest: '/app' },
      dockerfile: { steps: [{ WORKDIR: '/app' }, { ENV: { APP_ENV: 'test' } }, { EXPOSE: [8080] }, { ENTRYPOINT: ['/bin/sh', '-c'] }] },
    });
    const first = await reconcile([web]);
    expect(first.actions).toEqual({ 'ImageProject/web': 'create' });
    expect(first.results.map((r) => [r.status, r.message])).toEqual([['succeeded', undefined]]);
    expect(await registry.tags('team/web')).toEqual([v1.slice(0, 7)]);
    expect(await runFromRegistry(`${registry.address}/team/web:${v1.slice(0, 7)}`, ['cat /app/VERSION; echo $APP_ENV; pwd; ls /app'])).toBe('1.0.0\r\ntest\r\n/app\r\nVERSION');
    const logs = readdirSync(buildLogDir(stateDir, 'web'));
    expect(logs).toHaveLength(1);
    expect(readFileSync(join(buildLogDir(stateDir, 'web'), logs[0]!), 'utf8')).toMatch(/(Step 1\/\d+ : |\[1\/\d+\] )FROM .*base\/debian:bookworm[\s\S]*# pushing/);

    const manifestBefore = await driver.registryManifest(`${registry.address}/team/web:${v1.slice(0, 7)}`, AUTH);
    const buildsBefore = builds;
    const again = await reconcile([web]);
    expect(again.actions).toEqual({ 'ImageProject/web': 'noop' });
    expect(builds).toBe(buildsBefore);
    expect((await driver.registryManifest(`${registry.address}/team/web:${v1.slice(0, 7)}`, AUTH))?.digest).toBe(manifestBefore?.digest);

    const v2 = await commitMedia('2.0.0');
    const third = await reconcile([web]);
    expect(third.actions).toEqual({ 'ImageProject/web': 'create' });
    expect(third.results[0]?.status).toBe('succeeded');
    expect(builds).toBe(buildsBefore + 1);
    expect(await registry.tags('team/web')).toEqual([v1.slice(0, 7), v2.slice(0, 7)].sort());
    expect(await runFromRegistry(`${registry.address}/team/web:${v2.slice(0, 7)}`, ['cat /app/VERSION'])).toBe('2.0.0');
  });

  it('inline Dockerfile with a fixed tag: a build-arg change rebuilds and overwrites the same tag', async () => {
    const spec = {
      repository: `${registry.address}/team/inline`,
      tag: { fixed: '1.2' },
      dockerfile: { inline: 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nARG GREETING\nRUN echo "$GREETING" > /greeting.txt\n' },
    };
    const first = await reconcile([project('inline', { ...spec, buildArgs: { GREETING: 'hello' } })]);
    expect(first.results[0]?.status).toBe('succeeded');
    const ref = `${registry.address}/team/inline:1.2`;
    const d1 = (await driver.registryManifest(ref, AUTH))?.digest;
    expect(await runFromRegistry(ref, ['cat', '/greeting.txt'])).toBe('hello');

    const second = await reconcile([project('inline', { ...spec, buildArgs: { GREETING: 'bonjour' } })]);
    expect(second.actions).toEqual({ 'ImageProject/inline': 'update' });
    expect(second.results[0]?.status).toBe('succeeded');
    expect(await registry.tags('team/inline')).toEqual(['1.2']);
    expect((await driver.registryManifest(ref, AUTH))?.digest).not.toBe(d1);
    expect(await runFromRegistry(ref, ['cat', '/greeting.txt'])).toBe('bonjour');
  });

  it('Dockerfile from git: builds what the repository holds, tag derived from the inputs', async () => {
    const res = await reconcile([
      project('fromgit', { repository: `${registry.address}/team/fromgit`, dockerfile: { git: { url: gitServer.url('dockerfiles.git'), path: 'images/Dockerfile' } } }),
    ]);
    expect(res.results[0]?.status).toBe('succeeded');
    const tags = await registry.tags('team/fromgit');
    expect(tags).toHaveLength(1);
    expect(tags[0]).toMatch(/^in-[0-9a-f]{12}$/);
    expect(await runFromRegistry(`${registry.address}/team/fromgit:${tags[0]}`, ['cat', '/from-git.txt'])).toBe('from-git');
  });

  it('missing base image: stalled with a clear reason before any build, nothing pushed', async () => {
    const catalog = await registry.catalog();
    const buildsBefore = builds;
    const res = await reconcile([
      project('nobase', { repository: `${registry.address}/team/nobase`, baseImage: `${registry.address}/base/absent:1`, dockerfile: { steps: [{ RUN: 'true' }] } }),
    ]);
    expect(res.results[0]).toMatchObject({ status: 'failed', disposition: 'stalled', reason: 'ReferenceInvalid' });
    expect(res.results[0]?.message).toMatch(/base image 127\.0\.0\.1:\d+\/base\/absent:1 not found/);
    expect(builds).toBe(buildsBefore);
    expect(await registry.catalog()).toEqual(catalog);
  });

  it('a failing RUN is stalled with the last log lines; nothing pushed; the full log is kept', async () => {
    const res = await reconcile([project('broken', { repository: `${registry.address}/team/broken`, dockerfile: { steps: [{ RUN: 'echo about-to-fail; exit 3' }] } })]);
    expect(res.results[0]).toMatchObject({ status: 'failed', disposition: 'stalled', reason: 'CommandFailed' });
    expect(res.results[0]?.message).toMatch(/(returned a non-zero code|exit code): 3[\s\S]*about-to-fail/);
    expect(await registry.tags('team/broken')).toEqual([]);
    const dir = buildLogDir(stateDir, 'broken');
    expect(existsSync(dir)).toBe(true);
    expect(readFileSync(join(dir, readdirSync(dir)[0]!), 'utf8')).toMatch(/about-to-fail[\s\S]*# failed/);
  });

  it('unreachable media repo is transient; a missing one is stalled; wrong registry password is stalled', async () => {
    const gone = await reconcile([
      project('nomedia', { repository: `${registry.address}/team/nomedia`, media: { git: { url: 'http://127.0.0.1:1/media.git' }, dest: '/app' }, dockerfile: { steps: [{ RUN: 'true' }] } }),
    ]);
    expect(gone.results[0]).toMatchObject({ status: 'failed', disposition: 'transient' });
    const missing = await reconcile([
      project('nomedia', { repository: `${registry.address}/team/nomedia`, media: { git: { url: gitServer.url('absent.git') }, dest: '/app' }, dockerfile: { steps: [{ RUN: 'true' }] } }),
    ]);
    expect(missing.results[0]).toMatchObject({ status: 'failed', disposition: 'stalled' });
    expect(missing.results[0]?.message).toMatch(/media: .*absent\.git/);
    const wrong = { ...project('badauth', { repository: `${registry.address}/team/badauth`, dockerfile: { steps: [{ RUN: 'true' }] } }) };
    wrong.spec.registryAuth = { username: 'builder', password: { secret: 'wrong-password' } };
    const denied = await reconcile([wrong]);
    expect(denied.results[0]).toMatchObject({ status: 'failed', disposition: 'stalled', reason: 'AuthenticationFailed' });
    expect(await registry.tags('team/badauth')).toEqual([]);
  });

  it('a Dockerfile or media subdir that is a symlink out of its repository is stalled before any build; nothing of the daemon is read', async () => {
    // A directory of the daemon machine the author must not reach: a Dockerfile that would build, and a file.
    const daemonDir = tempDir('daemon-files');
    writeFileSync(join(daemonDir, 'Dockerfile'), 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN echo daemon-file > /leak.txt\n');
    writeFileSync(join(daemonDir, 'VERSION'), 'daemon-secret\n');
    const evil = tempDir('evil-work');
    await initWorkRepo(evil);
    symlinkSync(join(daemonDir, 'Dockerfile'), join(evil, 'Dockerfile'));
    symlinkSync(daemonDir, join(evil, 'dist'));
    writeFileSync(join(evil, 'README'), 'links out\n');
    await commitAll(evil, 'links out of the repository');
    await gitServer.createBareRepo('evil.git');
    await push(evil, gitServer.url('evil.git'), 'main');
    const buildsBefore = builds;
    const df = await reconcile([project('evil-df', { repository: `${registry.address}/team/evil-df`, dockerfile: { git: { url: gitServer.url('evil.git') } } })]);
    expect(builds).toBe(buildsBefore);
    expect(df.results[0]).toMatchObject({ status: 'failed', disposition: 'stalled', reason: 'UnsafePath' });
    expect(df.results[0]?.message).toMatch(/dockerfile path "Dockerfile" leads outside the repository/);
    const media = await reconcile([
      project('evil-media', {
        repository: `${registry.address}/team/evil-media`,
        media: { git: { url: gitServer.url('evil.git'), subdir: 'dist' }, dest: '/app' },
        dockerfile: { steps: [{ RUN: 'true' }] },
      }),
    ]);
    expect(builds).toBe(buildsBefore);
    expect(media.results[0]).toMatchObject({ status: 'failed', disposition: 'stalled', reason: 'UnsafePath' });
    expect(media.results[0]?.message).toMatch(/media: media subdir "dist" leads outside the repository/);
    expect(await registry.tags('team/evil-df')).toEqual([]);
    expect(await registry.tags('team/evil-media')).toEqual([]);
  });
});
