/**
 * A real Docker registry for tests: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 with filesystem
 * storage in a temp dir and deletes enabled, optionally behind htpasswd auth. Loopback registries are spoken to
 * over plain HTTP by the engine without configuration, so no TLS is needed. bcrypt hashes for htpasswd come from
 * the system crypt(3) (libxcrypt) via perl, because neither `htpasswd` nor a bcrypt package is installed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { linkSeedTemplate, seedTemplatePath, storeSeedTemplate, TEMPLATE_REPO } from './registry-seed.js';

const execFileAsync = promisify(execFile);
const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface TestRegistry {
  /** `127.0.0.1:PORT`, the registry host part of image references. */
  address: string;
  auth?: { username: string; password: string };
  /** Tags of a repository straight from the registry API (empty when it does not exist). */
  tags(repository: string): Promise<string[]>;
  /** Every repository the registry holds. */
  catalog(): Promise<string[]>;
  /** The filesystem storage root (`<root>/docker/registry/v2/...`). */
  storage: string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  auth?: { username: string; password: string };
}

/** Starts a registry on a free loopback port and waits until `/v2/` answers. */
export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'driftless-registry-'));
  let authYaml = '';
  if (opts.auth) {
    const htpasswd = join(dir, 'htpasswd');
    await writeFile(htpasswd, `${opts.auth.username}:${await bcrypt(opts.auth.password)}\n`);
    authYaml = `auth:\n  htpasswd:\n    realm: driftless-test\n    path: ${htpasswd}\n`;
  }
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${address}`,
      `  secret: ${randomBytes(16).toString('hex')}`,
      '',
    ].join('\n') + authYaml,
  );
  let stderr = '';
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const basic = opts.auth ? `Basic ${Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64')}` : undefined;
  const get = (path: string): Promise<Response> =>
    fetch(`http://${address}${path}`, { headers: basic ? { Authorization: basic } : {}, signal: AbortSignal.timeout(10_000) });

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${stderr}`);
    const res = await get('/v2/').catch(() => undefined);
    if (res && (res.status === 200 || res.status === 401)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not answer on ${address}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    address,
    storage: join(dir, 'data'),
    ...(opts.auth ? { auth: opts.auth } : {}),
    async tags(repository) {
      const res = await get(`/v2/${repository}/tags/list`);
      if (res.status === 404) return [];
      if (!res.ok) throw new Error(`tags of ${repository}: http ${res.status}`);
      return (((await res.json()) as { tags?: string[] | null }).tags ?? []).sort();
    },
    async catalog() {
      const res = await get('/v2/_catalog');
      if (!res.ok) throw new Error(`catalog: http ${res.status}`);
      return ((await res.json()) as { repositories?: string[] }).repositories ?? [];
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Pushes the harness host image (DRIFTLESS_HOST_IMAGE) into the registry as `<registry>/base/debian:bookworm`:
 * the only base image the tests can have, since nothing may be pulled from the Internet. Returns the reference.
 * The layers come from the run's seed template when there is one (registry-seed.ts), so only the manifest travels.
 */
export async function seedBaseImage(docker: Docker, registry: TestRegistry, target = 'base/debian:bookworm'): Promise<string> {
  const source = process.env.DRIFTLESS_HOST_IMAGE;
  if (!source) throw new Error('DRIFTLESS_HOST_IMAGE is not set: the vitest global setup provides it');
  const [repo, tag] = target.split(':') as [string, string];
  await linkSeedTemplate(registry.storage, repo);
  await pushImage(docker, registry, source, repo, tag);
  return `${registry.address}/${target}`;
}

/**
 * Builds the seed template of `image` unless this machine has it: a throwaway registry, one full push, the
 * storage kept (registry-seed.ts says why). For the global setup, which runs it in the background.
 */
export async function prepareSeedTemplate(docker: Docker, image: string): Promise<string> {
  const existing = seedTemplatePath(image);
  if (existsSync(existing)) return existing;
  const registry = await startRegistry();
  try {
    await pushImage(docker, registry, image, TEMPLATE_REPO, 'template');
    return await storeSeedTemplate(registry.storage, image);
  } finally {
    await docker.getImage(`${registry.address}/${TEMPLATE_REPO}:template`).remove().catch(() => undefined);
    await registry.stop();
  }
}

async function pushImage(docker: Docker, registry: TestRegistry, source: string, repo: string, tag: string): Promise<void> {
  await docker.getImage(source).tag({ repo: `${registry.address}/${repo}`, tag });
  const auth = registry.auth ? { ...registry.auth, serveraddress: registry.address } : {};
  const stream = await docker.getImage(`${registry.address}/${repo}`).push({ tag, authconfig: auth });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const failed = out?.find((o) => o.error);
      if (err || failed) reject(err ?? new Error(`seed push failed: ${failed?.error}`));
      else resolve();
    });
  });
}

/** A bcrypt hash ($2b$, cost 5 to keep tests fast) from the system crypt(3). */
async function bcrypt(password: string): Promise<string> {
  const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const salt = [...randomBytes(22)].map((b) => alphabet[b % 64]).join('');
  const { stdout } = await execFileAsync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`]);
  if (!stdout.startsWith('$2b$05$') || stdout.length !== 60) throw new Error(`crypt(3) did not produce a bcrypt hash: ${stdout}`);
  return stdout;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}
