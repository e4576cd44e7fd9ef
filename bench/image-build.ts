/**
 * Image build benchmark: driftless reconciling an ImageProject (observe + diff + the kind's apply: media fetched
 * from a Git server, BuildKit build, push to a local registry, registry read back) vs what a user runs: `git pull`
 * of the media checkout, then a BuildKit build of the same context, which is what `docker build` does today. Both
 * build the exact same Dockerfile (the one driftless rendered, without the labels driftless adds) and the same
 * media files, and both pay their Git fetch. The docker CLI here (Debian's docker.io 28) has no buildx plugin
 * and refuses DOCKER_BUILDKIT=1 ("BuildKit is enabled but the buildx component is missing"; no docker-buildx
 * package in this machine's apt sources), so the BuildKit baseline talks to the engine's BuildKit directly:
 * `tar | curl` to /build?version=2 (unix sockets only): the same builder with no client overhead at all. The
 * legacy builder (`DOCKER_BUILDKIT=0 docker build`) and BuildKit + `docker push` (driftless pushes too) are
 * printed as well. Copying the pulled media into the build context is not timed (a user's checkout would be it).
 *
 *   cold            nothing of the project's layers cached (plain: --no-cache; driftless: fresh media salt)
 *   unchanged       inputs unchanged (driftless target: no build at all, < 1 s)
 *   media change    one media file changed (driftless target: <= 1.1x the same job by hand: pull + BuildKit
 *                   build + docker push, since driftless pushes too; without the push on either side is shown too)
 *
 * Plain and driftless alternate per iteration, each on its own media commit, so neither reuses the other's
 * layers for the changed step. `plain build + push` is shown too because driftless also pushes.
 *
 *   npx tsx bench/image-build.ts [--runs 3] [--files 200]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDockerDriver } from '../src/drivers/docker/index.js';
import { createGitReader } from '../src/source/reader.js';
import type { DockerDriver, Drivers } from '../src/drivers/types.js';
import { imageProjectKind, type ImageProjectSpec } from '../src/kinds/image-project/index.js';
import type { KindContext, Logger } from '../src/kinds/types.js';
import { ensureDockerEngine } from '../src/lab/engine.js';
import { ensureHostImage } from '../src/lab/host-image.js';
import { API_VERSION, type Resource } from '../src/model/resource.js';
import { createSecretResolver } from '../src/secrets/resolver.js';
import { labDocker } from '../test/harness/docker.js';
import { commitAll, git, initWorkRepo, push } from '../test/harness/git-cli.js';
import { startGitServer } from '../test/harness/git-server.js';
import { seedBaseImage, startRegistry } from '../test/harness/registry.js';
import { tempDir } from '../test/harness/tmp.js';
import { createFileStore } from '../src/store/index.js';
import { benchStart } from './lib/record.js';
import { numArg } from './lib/args.js';

const rec = benchStart('image-build');

const silent: Logger = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };

const arg = numArg;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs the docker CLI against `dockerHost` with the legacy builder; rejects with its stderr on failure. */
/** A BuildKit build of `dir` through the engine API, the context piped by tar; rejects when the engine reports an error. */
function plainBuildkit(socket: string, dir: string, tag: string, noCache = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const url = `http://docker/v1.41/build?version=2${noCache ? '&nocache=1' : ''}&t=${encodeURIComponent(tag)}`;
    const cmd = `tar -C "$CTX" -cf - . | curl -sS --fail --unix-socket "$SOCK" -X POST -H 'Content-Type: application/x-tar' --data-binary @- '${url}'`;
    const child = spawn('sh', ['-c', cmd], { env: { ...process.env, CTX: dir, SOCK: socket }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    child.stderr.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 && !/"error"/.test(out) && /Successfully tagged/.test(out) ? resolve() : reject(new Error(`plain buildkit build failed (${code}): ${out.slice(-500)}`))));
  });
}

function dockerCli(dockerHost: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { env: { ...process.env, DOCKER_HOST: dockerHost, DOCKER_BUILDKIT: '0' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker ${args.join(' ')} failed (${code}): ${stderr}`))));
  });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const runs = arg('runs', rec.quick ? 1 : 3);
  const fileCount = arg('files', rec.quick ? 20 : 200);
  const engine = await ensureDockerEngine();
  process.env.DOCKER_HOST = engine.dockerHost;
  const docker = labDocker();
  process.env.DRIFTLESS_HOST_IMAGE ??= await ensureHostImage(docker);
  const registry = await startRegistry();
  const gitServer = await startGitServer();
  try {
    const base = await seedBaseImage(docker, registry);
    await gitServer.createBareRepo('media.git');
    const work = tempDir('bench-media-work');
    await initWorkRepo(work);
    mkdirSync(join(work, 'dist', 'static'), { recursive: true });
    for (let i = 0; i < fileCount; i++) writeFileSync(join(work, 'dist', 'static', `f${i}.txt`), `${'x'.repeat(2048)} ${i}\n`);
    let seq = 0;
    /** Per bench run, so layers cached by an earlier run of the bench never match. */
    const nonce = randomBytes(8).toString('hex');
    /** Commits a one-file change (dist/VERSION) and pushes it. */
    const changeMedia = async (): Promise<void> => {
      writeFileSync(join(work, 'dist', 'VERSION'), `${nonce} v${++seq}\n`);
      await commitAll(work, `media ${seq}`);
      await push(work, gitServer.url('media.git'), 'main');
    };
    await changeMedia();

    let builds = 0;
    let dockerfile = '';
    const real = createDockerDriver();
    /** Time spent per driver call, reset before each driftless media-change reconcile (the breakdown line). */
    const spent = { build: 0, push: 0, registry: 0 };
    const clock = async <T>(k: keyof typeof spent, p: Promise<T>): Promise<T> => {
      const t0 = performance.now();
      try {
        return await p;
      } finally {
        spent[k] += performance.now() - t0;
      }
    };
    const driver: DockerDriver = {
      ...real,
      build: (o) => {
        builds++;
        const text = o.files?.[o.dockerfile] ?? (o.contextDir ? readFileSync(join(o.contextDir, o.dockerfile), 'utf8') : undefined);
        if (text !== undefined) dockerfile = text.toString();
        return clock('build', real.build(o));
      },
      push: (ref, auth, o) => clock('push', real.push(ref, auth, o)),
      registryManifest: (ref, auth) => clock('registry', real.registryManifest(ref, auth)),
    };
    const breakdown: Record<keyof typeof spent | 'rest', number[]> = { build: [], push: [], registry: [], rest: [] };
    const project = (repo: string): Resource<ImageProjectSpec> => ({
      apiVersion: API_VERSION,
      kind: 'ImageProject',
      metadata: { name: repo.replace(/\W/g, '-') },
      spec: {
        repository: `${registry.address}/bench/${repo}`,
        baseImage: base,
        media: { git: { url: gitServer.url('media.git'), subdir: 'dist' }, dest: '/app' },
        dockerfile: {
          steps: [
            { WORKDIR: '/app' },
            { RUN: 'find /app -type f | sort | xargs sha256sum > /app.manifest' },
            { ENV: { APP_ENV: 'bench' } },
            { EXPOSE: [8080] },
            { ENTRYPOINT: ['python3', '-m', 'http.server', '8080'] },
          ],
        },
      },
      source: { file: 'bench', line: 1, col: 1 },
    });
    const stateDir = tempDir('bench-image-state');
    const ctx: KindContext = {
      drivers: { docker: driver, git: createGitReader() } as Drivers,
      secrets: createSecretResolver({ env: {} }),
      resources: { get: () => undefined, list: () => [] },
      logger: silent,
      signal: new AbortController().signal,
      revision: 'bench',
      repoDir: stateDir,
      store: createFileStore(stateDir),
      stateDir,
      inventory: { get: () => undefined },
    };
    /** One reconcile as the engine does it: observe, diff, apply unless noop. Returns the action taken. */
    const reconcile = async (res: Resource<ImageProjectSpec>): Promise<string> => {
      const observed = await imageProjectKind.observe(res, ctx);
      const diff = imageProjectKind.diff(res, observed);
      if (diff.action !== 'noop') {
        const key = `ImageProject/${res.metadata.name}`;
        await imageProjectKind.apply({ key, kind: 'ImageProject', name: res.metadata.name, action: diff.action, wave: 0, changes: diff.changes, dependsOn: [], digest: 'd', desired: res, observed }, ctx);
      }
      return diff.action;
    };

    // Warm-up: renders the Dockerfile once (captured for the plain builds) and brings the base into the engine.
    await reconcile(project('warmup'));
    const plainRef = `${registry.address}/bench/plain:latest`;
    const checkout = tempDir('bench-plain-checkout');
    await git(checkout, 'clone', '--quiet', gitServer.url('media.git'), '.');
    const plainContext = tempDir('bench-plain-context');
    /** The same context driftless writes: Dockerfile at the root, media (without .git) under media/. Returns the ms of `git pull`. */
    const refreshPlainContext = async (): Promise<number> => {
      const pullMs = await timed(() => git(checkout, 'pull', '--quiet', 'origin', 'main'));
      rmSync(join(plainContext, 'media'), { recursive: true, force: true });
      cpSync(join(checkout, 'dist'), join(plainContext, 'media'), { recursive: true });
      writeFileSync(join(plainContext, 'Dockerfile'), dockerfile);
      return pullMs;
    };
    /** `git pull` + `build`, timed together (the context copy between them is not). */
    const pullAndBuild = async (build: () => Promise<unknown>): Promise<number> => (await refreshPlainContext()) + (await timed(build));
    const plainBuild = (extra: string[] = []): Promise<void> => dockerCli(engine.dockerHost, ['build', '-q', ...extra, '-t', plainRef, plainContext]);
    const socket = engine.dockerHost.startsWith('unix://') ? engine.dockerHost.slice('unix://'.length) : undefined;

    if (!socket) throw new Error(`the BuildKit baseline needs the engine on a unix socket, not ${engine.dockerHost}`);
    const bk = (noCache = false) => () => plainBuildkit(socket, plainContext, plainRef, noCache);
    const t: Record<string, number[]> = { coldPlain: [], coldDl: [], sameDl: [], samePlain: [], changeLegacy: [], changePlain: [], changeBkPush: [], changeDl: [] };
    let unexpected = 0;
    for (let i = 0; i < runs; i++) {
      await changeMedia();
      t.coldPlain!.push(await pullAndBuild(bk(true)));
      await changeMedia();
      const proj = project(`web-${i}`);
      t.coldDl!.push(await timed(() => reconcile(proj)));

      const before = builds;
      let action = '';
      t.sameDl!.push(await timed(async () => (action = await reconcile(proj))));
      if (action !== 'noop' || builds !== before) unexpected++;
      t.samePlain!.push(await pullAndBuild(bk()));

      await changeMedia();
      t.changePlain!.push(await pullAndBuild(bk()));
      await changeMedia();
      t.changeLegacy!.push(await pullAndBuild(() => plainBuild()));
      await changeMedia();
      t.changeBkPush!.push(await pullAndBuild(async () => (await bk()(), await dockerCli(engine.dockerHost, ['push', '-q', plainRef]))));
      await changeMedia();
      Object.assign(spent, { build: 0, push: 0, registry: 0 });
      const total = await timed(() => reconcile(proj));
      t.changeDl!.push(total);
      for (const k of ['build', 'push', 'registry'] as const) breakdown[k].push(spent[k]);
      breakdown.rest.push(total - spent.build - spent.push - spent.registry);
    }

    const ms = (k: string): number => median(t[k]!);
    /** The same job on both sides: fetch, BuildKit build, push. */
    const ratio = ms('changeDl') / ms('changeBkPush');
    /** Without the push on either side: driftless's reconcile minus its push and registry reads vs pull + build. */
    const noPush = median(t.changeDl!.map((x, i) => x - (breakdown.push[i] ?? 0) - (breakdown.registry[i] ?? 0)));
    const ratioNoPush = noPush / ms('changePlain');
    const rows: [string, string, string, string, string][] = [
      ['cold build (no cache)', ms('coldPlain').toFixed(0), ms('coldDl').toFixed(0), '-', '-'],
      ['unchanged inputs', ms('samePlain').toFixed(0), ms('sameDl').toFixed(0), 'no build, < 1000 ms', unexpected === 0 && ms('sameDl') < 1000 ? 'met' : 'MISSED'],
      ['one-file media change (+ docker push)', ms('changeBkPush').toFixed(0), ms('changeDl').toFixed(0), `<= 1.1x same job (${ratio.toFixed(2)}x)`, ratio <= 1.1 ? 'met' : 'MISSED'],
      ['one-file media change (no push)', ms('changePlain').toFixed(0), noPush.toFixed(0), `(${ratioNoPush.toFixed(2)}x)`, '-'],
      ['one-file media change (legacy builder)', ms('changeLegacy').toFixed(0), ms('changeDl').toFixed(0), `(${(ms('changeDl') / ms('changeLegacy')).toFixed(2)}x)`, '-'],
    ];
    const out = (s: string): void => void process.stderr.write(`${s}\n`);
    out(`image-build bench: ${runs} runs, ${fileCount + 1} media files, medians in ms (engine ${engine.dockerHost})`);
    out(`${'scenario'.padEnd(38)} ${'pull + build'.padStart(12)} ${'driftless'.padStart(10)}  ${'target'.padEnd(28)} result`);
    for (const [a, b, c, d, e] of rows) out(`${a.padEnd(38)} ${b.padStart(12)} ${c.padStart(10)}  ${d.padEnd(28)} ${e}`);
    const b = (k: keyof typeof breakdown): string => `${k} ${median(breakdown[k]).toFixed(0)}`;
    out(`driftless media change, medians in ms: ${b('build')}, ${b('push')}, ${b('registry')} (manifest reads), ${b('rest')} (git, context, render)`);
    out(`unchanged-input reconciles that built or planned other than noop: ${unexpected}`);
    out(`raw: ${JSON.stringify(Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.map((x) => Math.round(x))])))}`);
    rec.finish({
      compares: 'ImageProject reconcile (Git fetch, BuildKit build, push, registry read back) vs the same job by hand: `git pull` + a BuildKit build of the same context + `docker push` (the engine\'s BuildKit: no buildx for the docker CLI here)',
      figures: [
        `one-file media change ${ms('changeDl').toFixed(0)} ms vs pull + BuildKit + push ${ms('changeBkPush').toFixed(0)} ms = ${ratio.toFixed(2)}x; without the push on either side ${noPush.toFixed(0)} vs ${ms('changePlain').toFixed(0)} ms = ${ratioNoPush.toFixed(2)}x; legacy builder (no push) ${ms('changeLegacy').toFixed(0)} ms`,
        `unchanged inputs ${ms('sameDl').toFixed(0)} ms (builds: ${unexpected === 0 ? 'none' : unexpected}); cold ${ms('coldDl').toFixed(0)} vs ${ms('coldPlain').toFixed(0)} ms`,
        `driftless media change: ${b('build')}, ${b('push')}, ${b('registry')}, ${b('rest')} ms`,
      ],
      target: 'media change <= 1.1x pull + BuildKit + push; unchanged inputs: no build, < 1 s',
      met: ratio <= 1.1 && unexpected === 0 && ms('sameDl') < 1000,
    });
  } finally {
    await gitServer.stop();
    await registry.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
