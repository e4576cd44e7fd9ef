/**
 * A local image registry for the lab: Debian's `docker-registry` (distribution) on loopback, filesystem storage.
 * The quick start's images are pushed here and pool hosts pull from here; nothing is pulled from the Internet,
 * so the lab host image is pushed as the base image (`base/debian:bookworm`) once.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type Docker from 'dockerode';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

/** The registry's config.yml: loopback address, storage dir, deletes enabled, optional htpasswd file. */
export function registryConfig(opts: { address: string; dataDir: string; htpasswd?: string }): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${opts.dataDir}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${opts.address}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
    ...(opts.htpasswd ? ['auth:', '  htpasswd:', '    realm: driftless', `    path: ${opts.htpasswd}`] : []),
    '',
  ].join('\n');
}

export async function registryAnswers(address: string): Promise<boolean> {
  const res = await fetch(`http://${address}/v2/`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
  return res !== undefined && (res.status === 200 || res.status === 401);
}

/** Starts a registry that outlives this process (pid file in `dir`), unless one already answers on `address`. */
export async function ensureLabRegistry(dir: string, address = '127.0.0.1:5000'): Promise<{ address: string; started: boolean }> {
  if (await registryAnswers(address)) return { address, started: false };
  if (!existsSync(REGISTRY_BIN)) throw new Error(`${REGISTRY_BIN} is missing: install Debian's docker-registry package`);
  mkdirSync(join(dir, 'data'), { recursive: true });
  const config = join(dir, 'config.yml');
  writeFileSync(config, registryConfig({ address, dataDir: join(dir, 'data') }));
  const log = openSync(join(dir, 'registry.log'), 'a');
  const child = spawn(REGISTRY_BIN, ['serve', config], { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  writeFileSync(join(dir, 'registry.pid'), String(child.pid));
  const deadline = Date.now() + 20_000;
  while (!(await registryAnswers(address))) {
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${address}; see ${join(dir, 'registry.log')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { address, started: true };
}

export function stopLabRegistry(dir: string): boolean {
  const pidFile = join(dir, 'registry.pid');
  if (!existsSync(pidFile)) return false;
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
    return true;
  } catch {
    return false;
  }
}

/** Tags `image` as `<address>/<target>` and pushes it (idempotent: the registry keeps one copy per digest). */
export async function pushImage(docker: Docker, image: string, address: string, target = 'base/debian:bookworm'): Promise<string> {
  const [repo, tag] = target.split(':') as [string, string];
  await docker.getImage(image).tag({ repo: `${address}/${repo}`, tag });
  const stream = await docker.getImage(`${address}/${repo}`).push({ tag });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => {
      const failed = out?.find((o) => o.error);
      if (err || failed) reject(err ?? new Error(`push of ${target} failed: ${failed?.error}`));
      else resolve();
    });
  });
  return `${address}/${target}`;
}
