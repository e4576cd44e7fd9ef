import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshTarget } from '../../src/drivers/types.js';
import { LAB_PREFIX_LABEL, waitForBanner } from '../../src/lab/hosts.js';
import { labDocker } from './docker.js';
import { startTestHosts, type TestHosts } from './hosts.js';

const readHostKey = async (t: TestHosts, i: number): Promise<string> => {
  const r = await t.hosts[i]!.exec('cat /etc/ssh/ssh_host_ed25519_key.pub');
  expect(r.code).toBe(0);
  return r.stdout.trim();
};

/** Logs in with ssh2 directly (not our driver) and runs one command, so the harness is checked on its own. */
const sshRun = (target: SshTarget, command: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client
      .on('ready', () => {
        client.exec(command, (err, stream) => {
          if (err) return reject(err);
          let out = '';
          stream.on('data', (c: Buffer) => (out += c.toString()));
          stream.stderr.resume();
          stream.on('close', () => {
            client.end();
            resolve(out);
          });
        });
      })
      .on('error', reject)
      .connect({ host: target.host, port: target.port, username: target.username, privateKey: target.privateKey, readyTimeout: 10_000 });
  });

describe('lab hosts', () => {
  let t: TestHosts;

  beforeAll(async () => {
    t = await startTestHosts(3, { name: 'harness' });
  });

  afterAll(async () => {
    await t?.teardown();
  });

  it('starts three hosts that each answer the ssh banner on a distinct loopback port', async () => {
    expect(t.hosts).toHaveLength(3);
    expect(new Set(t.hosts.map((h) => h.port)).size).toBe(3);
    for (const h of t.hosts) {
      expect(h.address).toBe('127.0.0.1');
      expect(await waitForBanner(h.address, h.port, 10_000)).toMatch(/^SSH-2\.0-OpenSSH/);
    }
  });

  it('gives each host its name as hostname and authorises the test key for root', async () => {
    for (const h of t.hosts) {
      const r = await h.exec('hostname; stat -c %a /root/.ssh/authorized_keys; cat /root/.ssh/authorized_keys');
      expect(r.code).toBe(0);
      const [hostname, mode, key] = r.stdout.trim().split('\n');
      expect(hostname).toBe(h.name);
      expect(mode).toBe('600');
      expect(key).toBe(t.publicKey.trim());
    }
  });

  it('returns targets named Host/<name> with the private key', () => {
    const targets = t.targets();
    expect(targets.map((x) => x.id)).toEqual(t.hosts.map((h) => `Host/${h.name}`));
    expect(targets.every((x) => x.username === 'root' && x.privateKey === t.privateKey)).toBe(true);
    expect(targets.map((x) => x.port)).toEqual(t.hosts.map((h) => h.port));
  });

  it('accepts an ssh login as root with the test key', async () => {
    for (const target of t.targets()) {
      expect((await sshRun(target, 'id -u; hostname')).trim()).toBe(`0\n${target.id.slice('Host/'.length)}`);
    }
  });

  it('reports exit codes and stderr of exec', async () => {
    const r = await t.hosts[0]!.exec('echo out; echo err >&2; exit 3');
    expect(r).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('keeps port and host key across stop and start', async () => {
    const host = t.hosts[1]!;
    const keyBefore = await readHostKey(t, 1);
    await host.stop();
    const info = await labDocker().getContainer(host.containerId).inspect();
    expect(info.State.Running).toBe(false);
    await host.start();
    expect(await waitForBanner(host.address, host.port, 10_000)).toMatch(/^SSH-/);
    expect(await readHostKey(t, 1)).toBe(keyBefore);
  });

  it('presents a new host key after regenerateHostKey, on the same port', async () => {
    const host = t.hosts[2]!;
    const keyBefore = await readHostKey(t, 2);
    await host.regenerateHostKey();
    const keyAfter = await readHostKey(t, 2);
    expect(keyAfter).toMatch(/^ssh-ed25519 /);
    expect(keyAfter).not.toBe(keyBefore);
    expect(await waitForBanner(host.address, host.port, 10_000)).toMatch(/^SSH-/);
  });

  it('removes every container of the set on teardown', async () => {
    const docker = labDocker();
    const other = await startTestHosts(1, { name: 'harness-td' });
    const prefix = other.hosts[0]!.name.replace(/-1$/, '');
    const list = () => docker.listContainers({ all: true, filters: { label: [`${LAB_PREFIX_LABEL}=${prefix}`] } });
    expect(await list()).toHaveLength(1);
    await other.teardown();
    expect(await list()).toHaveLength(0);
    expect((await docker.listContainers({ all: true, filters: { id: [t.hosts[0]!.containerId] } })).length).toBe(1);
  });
});
