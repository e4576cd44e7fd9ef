/**
 * Host-key pins of SSH Git remotes shared by HA replicas (issue 16), on a real sshd test host serving a bare repo
 * and a real 3-member etcd: the key replica A pinned at its first contact is in the shared store, and binds replica
 * B, which never met the host: once the host's key changes, B refuses it (HostKeyMismatch) although B's own pin
 * file was empty. The same fetch without sharing accepts the new key, so the refusal came from A's pin.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StalledError } from '../../src/errors.js';
import { createGitSshSource } from '../../src/source/git-ssh.js';
import { GIT_PINS_KEY, GIT_PINS_NS, shareGitPins } from '../../src/source/git-pins.js';
import { createEtcdStore } from '../../src/store/index.js';
import { startEtcdCluster, type EtcdCluster } from '../harness/etcd.js';
import { startTestHosts, type TestHosts } from '../harness/hosts.js';
import { tempDir } from '../harness/tmp.js';

let cluster: EtcdCluster;
let lab: TestHosts;
let url: string;
const clients: Etcd3[] = [];

/** A replica: its own etcd client (to its own member) and its own state dir's pin file. */
function replica(i: number, shared = true) {
  const dir = tempDir(`git-pins-r${i}`);
  const file = join(dir, 'git_known_hosts');
  const client = new Etcd3({ hosts: `http://${cluster.endpoints[i]}` });
  clients.push(client);
  const store = createEtcdStore({ client, prefix: 'pins-test/', location: 'etcd://pins-test' });
  const unshare = shared ? shareGitPins(file, store) : () => undefined;
  const source = createGitSshSource({ url, ref: 'main', cacheDir: join(dir, 'git-cache'), privateKey: lab.privateKey, knownHostsFile: file });
  return { file, store, source, unshare };
}

beforeAll(async () => {
  [cluster, lab] = await Promise.all([startEtcdCluster(), startTestHosts(1, { name: 'gitpins' })]);
  const r = await lab.hosts[0]!.exec(
    'git init -q -b main /tmp/w && git -C /tmp/w -c user.name=t -c user.email=t@t commit -q --allow-empty -m one && git clone -q --bare /tmp/w /srv/pins.git',
  );
  expect(r.code, r.stderr).toBe(0);
  url = `ssh://root@127.0.0.1:${lab.hosts[0]!.port}/srv/pins.git`;
}, 300_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
  await lab?.teardown();
});

describe('SSH Git remote pins in etcd', () => {
  it('the key replica A pinned binds replica B, which never met the host', async () => {
    const a = replica(0);
    const commit = await a.source.poll();
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    const pinned = (await a.store.get(GIT_PINS_NS, GIT_PINS_KEY))?.toString('utf8') ?? '';
    expect(pinned).toMatch(/ssh-ed25519|ecdsa-sha2|ssh-rsa/);
    expect(pinned.trim()).toBe((await readFile(a.file, 'utf8')).trim());

    await lab.hosts[0]!.regenerateHostKey();
    const b = replica(1);
    expect(existsSync(b.file)).toBe(false);
    const err = await b.source.poll().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StalledError);
    expect((err as StalledError).reason).toBe('HostKeyMismatch');
    // nothing of the impostor's key reached the shared pins
    expect((await b.store.get(GIT_PINS_NS, GIT_PINS_KEY))?.toString('utf8')).toBe(pinned);

    // Without sharing, a replica that never met the host accepts the new key: the refusal was A's pin.
    const c = replica(2, false);
    expect(await c.source.poll()).toBe(commit);
    a.unshare();
    b.unshare();
  });
});
