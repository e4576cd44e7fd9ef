import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LAB_OWNER_LABEL, findLabHosts, removeOrphanLabHosts, waitForBanner } from '../../src/lab/hosts.js';
import { createLabProvider } from '../../src/drivers/lab-provider/index.js';
import { ownerId } from '../../src/kinds/shared/machines/key-store.js';
import { createFileStore } from '../../src/store/index.js';
import { TAG } from '../../src/kinds/shared/machines/tags.js';
import { labDown, labUp } from '../../src/lab/lab-up.js';
import { loadSecretCatalogue } from '../../src/config/secrets.js';
import { labDocker } from './docker.js';
import { linkSeedTemplate } from './registry-seed.js';
import { tempDir } from './tmp.js';

/** Three consecutive free loopback ports, so the test never collides with the quick start's 2201-2203. */
async function freeBase(): Promise<number> {
  const free = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await free(base)) && (await free(base + 1)) && (await free(base + 2))) return base;
  }
  throw new Error('no three consecutive free ports found');
}

describe('lab up / down', () => {
  const prefix = `labup-${process.pid}`;
  const stateDir = tempDir('lab-up');

  afterAll(async () => {
    await labDown(prefix, stateDir); // with the state dir: also stops the lab registry labUp started
  });

  it('starts hosts on fixed ports, reuses them, and keeps host keys across down and up', async () => {
    const basePort = await freeBase();
    await linkSeedTemplate(join(stateDir, 'lab', 'registry', 'data'), 'base/debian'); // the base image push: a manifest
    const first = await labUp({ stateDir, prefix, basePort });
    expect(first.hosts.map((h) => [h.name, h.port])).toEqual([
      [`${prefix}-1`, basePort],
      [`${prefix}-2`, basePort + 1],
      [`${prefix}-3`, basePort + 2],
    ]);
    for (const h of first.hosts) expect(await waitForBanner(h.address, h.port, 10_000)).toMatch(/^SSH-/);
    expect(readFileSync(first.keyPath, 'utf8')).toContain('OPENSSH PRIVATE KEY');
    // The operator settings every command reads from this state dir declare the key as lab-key, for the lab hosts only.
    expect(first.settingsPath).toBe(join(stateDir, 'config.yaml'));
    expect(loadSecretCatalogue({ env: {}, stateDir })?.entries.get('lab-key')).toEqual({
      ref: { file: first.keyPath },
      allow: { hosts: ['127.0.0.1'], urls: [], registries: [] },
    });

    const docker = labDocker();
    const live = await findLabHosts(docker, prefix);
    const info = await docker.getContainer(live[0]!.containerId).inspect();
    expect(info.Config.Labels[LAB_OWNER_LABEL]).toBeUndefined();
    await removeOrphanLabHosts(docker);
    expect(await findLabHosts(docker, prefix)).toHaveLength(3);

    const pinned = readFileSync(join(stateDir, 'lab', 'host-keys', `${prefix}-2_ed25519.pub`), 'utf8').trim();
    const served = await live[1]!.exec('cat /etc/ssh/ssh_host_ed25519_key.pub');
    expect(served.stdout.trim()).toBe(pinned);

    const again = await labUp({ stateDir, prefix, basePort });
    expect(again.hosts.map((h) => h.containerId)).toEqual(first.hosts.map((h) => h.containerId));

    expect(await labDown(prefix)).toEqual({ hosts: 3, machines: 0, registry: false });
    expect(await findLabHosts(docker, prefix)).toHaveLength(0);

    const third = await labUp({ stateDir, prefix, basePort });
    expect(third.hosts.map((h) => h.containerId)).not.toEqual(first.hosts.map((h) => h.containerId));
    const recreated = await findLabHosts(docker, prefix);
    expect((await recreated[1]!.exec('cat /etc/ssh/ssh_host_ed25519_key.pub')).stdout.trim()).toBe(pinned);
  });
});

describe('lab down and the lab machines of a state dir', () => {
  const stateDir = tempDir('lab-down-machines');
  const other = `dl-other-${process.pid}`;
  const docker = labDocker();
  const socketPath = (docker.modem as { socketPath?: string }).socketPath;
  const provider = createLabProvider({
    persistent: true,
    engine: async () => ({ docker, ...(socketPath ? { socketPath } : {}), image: process.env.DRIFTLESS_HOST_IMAGE ?? '' }),
  });
  const make = async (name: string, owner: string): Promise<string> =>
    provider.create({ clientToken: `${name}-${process.pid}`, name, publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDummyDummyDummyDummyDummyDummyDummyDummyDu lab', tags: { [TAG.owner]: owner }, spec: {} });

  afterAll(async () => {
    for (const c of await docker.listContainers({ all: true, filters: { label: [`driftless.machine.tag.${TAG.owner}=${other}`] } })) {
      await docker.getContainer(c.Id).remove({ force: true });
    }
  });

  it('removes the machines this state dir made and the nodes on them, and no one else\'s', async () => {
    const mine = await make(`ldm-${process.pid}`, await ownerId(createFileStore(stateDir)));
    const theirs = await make(`ldo-${process.pid}`, other);
    // A pool node the machine started on the shared engine: it carries the machine's hostname.
    const machine = await docker.getContainer(mine).inspect();
    const node = await docker.createContainer({ Image: machine.Config.Image, Cmd: ['sleep', '600'], Labels: { 'driftless.host': machine.Name.replace(/^\//, '') } });
    await node.start();

    expect(await labDown(`no-such-prefix-${process.pid}`, stateDir)).toEqual({ hosts: 0, machines: 1, registry: false });
    const left = new Set((await docker.listContainers({ all: true })).map((c) => c.Id));
    expect(left.has(mine)).toBe(false);
    expect(left.has(node.id)).toBe(false);
    expect(left.has(theirs)).toBe(true);
  });
});

describe('two labs on one engine (issue 18.23)', () => {
  const prefix = `labtwo-${process.pid}`;
  const first = tempDir('lab-first');
  const second = tempDir('lab-second');
  const docker = labDocker();

  afterAll(async () => {
    await labDown(prefix, second);
    await labDown(prefix, first);
  });

  it('a second state dir never removes the first one\'s hosts, on up or on down, and down says what it stopped', async () => {
    await linkSeedTemplate(join(first, 'lab', 'registry', 'data'), 'base/debian');
    const a = await labUp({ stateDir: first, prefix, count: 1, basePort: await freeBase() });
    const b = await labUp({ stateDir: second, prefix, count: 1, basePort: await freeBase() });
    expect(b.hosts[0]!.name).toMatch(new RegExp(`^${prefix}-[0-9a-f]{6}-1$`));
    const ids = async () => new Set((await docker.listContainers({ all: true })).map((c) => c.Id));
    expect((await ids()).has(a.hosts[0]!.containerId)).toBe(true);

    // A registry already serving (the first lab's) is reused, not started: down says it stopped one only when it did.
    const started = (dir: string) => existsSync(join(dir, 'lab', 'registry', 'registry.pid'));
    const secondStarted = started(second);
    expect(await labDown(prefix, second)).toEqual({ hosts: 1, machines: 0, registry: secondStarted });
    const left = await ids();
    expect(left.has(a.hosts[0]!.containerId)).toBe(true);
    expect(left.has(b.hosts[0]!.containerId)).toBe(false);

    expect(await labDown(prefix, second)).toEqual({ hosts: 0, machines: 0, registry: false });
    expect(await labDown(prefix, first)).toEqual({ hosts: 1, machines: 0, registry: started(first) });
    expect((await ids()).has(a.hosts[0]!.containerId)).toBe(false);
  });
});
