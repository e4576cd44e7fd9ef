/**
 * The docker driver against an `ssh://` DOCKER_HOST (docker-modem runs `docker system dial-stdio` over SSH): a lab
 * host with the engine's socket and a docker CLI is the build host. Its host key is pinned in the SSH driver's
 * store on first use; a build host presenting another key is refused with the store's HostKeyMismatch, before any
 * request reaches an engine.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDockerDriver } from '../../../src/drivers/docker/index.js';
import { createSshDriver, hostIdOf, type ManagedSshDriver } from '../../../src/drivers/ssh/index.js';
import { StalledError } from '../../../src/errors.js';
import { labDocker } from '../../harness/docker.js';
import { startTestHosts, type TestHosts } from '../../harness/hosts.js';
import { tempDir } from '../../harness/tmp.js';

let th: TestHosts;
let ssh: ManagedSshDriver;
const pins = join(tempDir('docker-ssh'), 'known_hosts.json');
const tag = `driftless-ssh-build-${randomBytes(3).toString('hex')}:1`;

beforeAll(async () => {
  th = await startTestHosts(2, { name: 'dockerssh', dockerSocket: true });
  ssh = createSshDriver({ knownHostsPath: pins });
}, 120_000);

afterAll(async () => {
  await ssh?.close();
  await th?.teardown();
  await labDocker().getImage(tag).remove({ force: true }).catch(() => undefined);
});

/** A driver for one lab host as `ssh://root@127.0.0.1:<port>`, its key checked under `pinAs` (default: its own id). */
function driverFor(i: number, pinAs?: string) {
  const h = th.hosts[i]!;
  return createDockerDriver({
    dockerHost: `ssh://root@${h.address}:${h.port}`,
    sshPrivateKey: th.privateKey,
    verifyHostKey: (host, port, key) => ssh.verifyHostKey(pinAs ?? hostIdOf(host, port), key),
  });
}

it('builds over ssh:// and pins the build host\'s key', async () => {
  const image = process.env.DRIFTLESS_HOST_IMAGE!;
  const docker = driverFor(0);
  expect(await docker.imageExists(image)).toBe(true);
  const h = th.hosts[0]!;
  expect(readFileSync(pins, 'utf8')).toContain(hostIdOf(h.address, h.port));

  const lines: string[] = [];
  const built = await docker.build({ files: { Dockerfile: `FROM ${image}\nRUN echo built-over-ssh > /built\n` }, dockerfile: 'Dockerfile', tags: [tag], onLog: (l) => lines.push(l) });
  expect(built.imageId).toMatch(/^sha256:/);
  expect((await labDocker().getImage(tag).inspect()).Id).toBe(built.imageId);
}, 120_000);

it('refuses a build host whose key is not the pinned one, naming the host and the pin file', async () => {
  const pinned = 'docker-build-host';
  expect(await driverFor(0, pinned).imageExists(process.env.DRIFTLESS_HOST_IMAGE!)).toBe(true); // pins host 0's key
  const err = await driverFor(1, pinned).imageExists(process.env.DRIFTLESS_HOST_IMAGE!).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StalledError);
  expect((err as StalledError).reason).toBe('HostKeyMismatch');
  expect((err as Error).message).toContain(`host key for ${pinned} changed`);
  expect((err as Error).message).toContain(pins);
}, 60_000);
