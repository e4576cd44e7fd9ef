/**
 * deploy/Dockerfile built on the running engine, offline: nothing can be pulled here, so the base is made locally
 * (the lab host image, a debootstrap bookworm, plus this machine's node binary and the production dependencies
 * installed from the npm cache with `--offline --omit=dev`) and passed as BASE_IMAGE with INSTALL_DEPS=0. Everything
 * after the base is the real Dockerfile, built with the docker CLI from the repository root as the docs say (so
 * .dockerignore applies). The image then validates the sample repo and runs the daemon as PID 1: /healthz answers
 * through the image's own HEALTHCHECK command, /status only with the HTTP token (without one the image refuses to
 * start), and `docker stop` ends it with exit code 0.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureHostImage } from '../../src/lab/host-image.js';
import { REPO_ROOT, waitFor } from '../harness/cli.js';
import { labDocker } from '../harness/docker.js';
import { tempDir } from '../harness/tmp.js';

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command (stdin closed) with a deadline; resolves with its exit code and output. */
function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
}

/** The docker CLI against the engine the harness uses (DOCKER_HOST is inherited). */
const docker = (args: string[], timeoutMs = 120_000) => run('docker', args, { timeoutMs });

async function ok(p: Promise<Exit>, what: string): Promise<string> {
  const r = await p;
  expect(r.code, `${what}: ${r.stderr}\n${r.stdout}`).toBe(0);
  return r.stdout;
}

const suffix = `${process.pid}-${randomBytes(3).toString('hex')}`;
const baseTag = `driftless-deploy-base:${suffix}`;
const imageTag = `driftless-deploy:${suffix}`;
const container = `driftless-deploy-${suffix}`;
const HEALTH = "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))";

beforeAll(async () => {
  const hostImage = await ensureHostImage(labDocker());
  const ctx = tempDir('deploy-base');
  copyFileSync(process.execPath, join(ctx, 'node'));
  chmodSync(join(ctx, 'node'), 0o755);
  mkdirSync(join(ctx, 'deps'));
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(REPO_ROOT, f), join(ctx, 'deps', f));
  await ok(
    run('npm', ['install', '--omit=dev', '--ignore-scripts', '--offline', '--no-save', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: join(ctx, 'deps'), timeoutMs: 180_000 }),
    'offline production install from the npm cache',
  );
  writeFileSync(join(ctx, 'Dockerfile'), `FROM ${hostImage}\nCOPY node /usr/local/bin/node\nCOPY deps/node_modules /opt/driftless/node_modules\n`);
  await ok(docker(['build', '--quiet', '-t', baseTag, ctx], 300_000), 'base image build');
  await ok(
    docker(['build', '--quiet', '-f', join(REPO_ROOT, 'deploy', 'Dockerfile'), '--build-arg', `BASE_IMAGE=${baseTag}`, '--build-arg', 'INSTALL_DEPS=0', '-t', imageTag, REPO_ROOT], 300_000),
    'deploy/Dockerfile build',
  );
}, 600_000);

afterAll(async () => {
  await docker(['rm', '-f', '-v', container]);
  await docker(['rmi', '-f', imageTag, baseTag]);
});

/** A config repo with only driftless.yaml, readable by the image's user. */
function configRepo(): string {
  const repo = tempDir('deploy-config');
  chmodSync(repo, 0o755);
  writeFileSync(join(repo, 'driftless.yaml'), 'apiVersion: driftless.dev/v1\n');
  chmodSync(join(repo, 'driftless.yaml'), 0o644);
  return repo;
}

describe('deploy/Dockerfile', () => {
  it('runs as the unprivileged driftless user with the state dir, listen address and entrypoint the docs promise', async () => {
    expect(await ok(docker(['run', '--rm', '--entrypoint', 'id', imageTag, '-un']), 'id')).toBe('driftless');
    const config = JSON.parse(await ok(docker(['image', 'inspect', '--format', '{{json .Config}}', imageTag]), 'inspect')) as {
      Entrypoint: string[];
      Env: string[];
      Volumes: Record<string, unknown>;
      Healthcheck?: { Test: string[] };
    };
    expect(config.Entrypoint).toEqual(['node', '/opt/driftless/bin/driftless.js', 'serve']);
    expect(config.Env).toEqual(
      expect.arrayContaining(['DRIFTLESS_STATE_DIR=/var/lib/driftless', 'DRIFTLESS_LISTEN=0.0.0.0:8080', 'DRIFTLESS_HTTP_TOKEN_ENV=DRIFTLESS_HTTP_TOKEN', 'NODE_ENV=production']),
    );
    expect(Object.keys(config.Volumes)).toEqual(['/var/lib/driftless']);
    expect(config.Healthcheck?.Test.join(' ')).toContain('/healthz');
    // .dockerignore keeps the context to what the image needs: no tests, no dev dependencies beyond the base's.
    expect((await docker(['run', '--rm', '--entrypoint', 'test', imageTag, '-e', '/opt/driftless/test'])).code).toBe(1);
  });

  it('validates the sample repo with the production dependencies only', async () => {
    const out = await ok(
      docker(['run', '--rm', '-v', `${join(REPO_ROOT, 'sample-repo')}:/repo:ro`, '--entrypoint', 'node', imageTag, '/opt/driftless/bin/driftless.js', 'validate', '/repo']),
      'validate',
    );
    expect(out).toMatch(/^ok: \d+ resource\(s\) valid/m);
  });

  it('refuses to start without the HTTP token it listens on 0.0.0.0 with, and says which variable is missing', async () => {
    const r = await docker(['run', '--rm', '-v', `${configRepo()}:/config:ro`, '-e', 'DRIFTLESS_REPO=/config', imageTag], 60_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/http\.token: .*DRIFTLESS_HTTP_TOKEN is not set/);
  });

  it('serves as PID 1: healthz answers via the HEALTHCHECK command, status only with the token, docker stop exits 0', async () => {
    const token = randomBytes(16).toString('hex');
    await ok(docker(['run', '-d', '--name', container, '-v', `${configRepo()}:/config:ro`, '-e', 'DRIFTLESS_REPO=/config', '-e', `DRIFTLESS_HTTP_TOKEN=${token}`, imageTag]), 'run');
    await waitFor('daemon healthz inside the container', async () => (await docker(['exec', container, 'node', '-e', HEALTH], 30_000)).code === 0, 90_000, 500);
    const get = (auth: string) =>
      `fetch('http://127.0.0.1:8080/status',{headers:{authorization:'${auth}'}}).then(async r=>console.log(JSON.stringify({code:r.status,body:await r.text()})))`;
    const denied = JSON.parse(await ok(docker(['exec', container, 'node', '-e', get('Bearer wrong')]), 'status without the token')) as { code: number };
    expect(denied.code).toBe(401);
    const status = JSON.parse(await ok(docker(['exec', container, 'node', '-e', get(`Bearer ${token}`)]), 'status')) as { code: number; body: string };
    expect(status.code).toBe(200);
    expect(JSON.parse(status.body)).toMatchObject({ source: { ok: true } });
    await ok(docker(['stop', '--time', '30', container], 60_000), 'stop');
    expect(await ok(docker(['inspect', '--format', '{{.State.ExitCode}}', container]), 'exit code')).toBe('0');
    expect(await ok(docker(['logs', container]), 'logs')).toContain('driftless serving /config');
  });
});
