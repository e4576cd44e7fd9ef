/**
 * The SSH driver against real sshd containers: exec, stdin, timeouts, atomic upload, readFile, pooling, the
 * per-host channel cap, an unreachable host coming back, and host-key pinning refusing a changed key.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import ssh2 from 'ssh2';
import { generateEd25519 } from '../../src/util/ssh-keygen.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReconcileError, StalledError, TransientError } from '../../src/errors.js';
import { createSshDriver, type ManagedSshDriver } from '../../src/drivers/ssh/index.js';
import type { SshTarget } from '../../src/drivers/types.js';
import { startTestHosts, type TestHosts } from '../harness/hosts.js';
import { tempDir } from '../harness/tmp.js';

let lab: TestHosts;
let driver: ManagedSshDriver;
let main: SshTarget;
let knownHostsPath: string;

async function rejection(promise: Promise<unknown>): Promise<ReconcileError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ReconcileError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  lab = await startTestHosts(3, { name: 'sshdrv' });
  knownHostsPath = join(tempDir('ssh-known'), 'known_hosts');
  driver = createSshDriver({ knownHostsPath, perHostConcurrency: 3 });
  const first = lab.targets()[0];
  if (!first) throw new Error('no test host');
  main = first;
});

afterAll(async () => {
  await driver?.close();
  await lab?.teardown();
});

describe('exec', () => {
  it('returns exit codes, stdout and stderr as results and streams both', async () => {
    const seen: string[] = [];
    const result = await driver.exec(main, 'echo out; echo err >&2; exit 7', {
      onStdout: (c) => seen.push(`o:${c.toString()}`),
      onStderr: (c) => seen.push(`e:${c.toString()}`),
    });
    expect(result.code).toBe(7);
    expect(result.stdout).toBe('out\n');
    expect(result.stderr).toBe('err\n');
    expect(seen.sort()).toEqual(['e:err\n', 'o:out\n']);
    expect((await driver.exec(main, 'true')).code).toBe(0);
  });

  it('streams 1 MB of stdin from a buffer and from a Readable, then EOF', async () => {
    const payload = randomBytes(1024 * 1024);
    const digest = createHash('sha256').update(payload).digest('hex');
    const fromBuffer = await driver.exec(main, 'sha256sum', { stdin: payload });
    expect(fromBuffer.stdout.split(' ')[0]).toBe(digest);
    const chunks = Array.from({ length: 16 }, (_, i) => payload.subarray(i * 65536, (i + 1) * 65536));
    const fromStream = await driver.exec(main, 'wc -c', { stdin: Readable.from(chunks) });
    expect(fromStream.stdout.trim()).toBe(String(payload.length));
  });

  it('keeps the last 1 MiB of a large output while the callback sees all of it', async () => {
    let streamed = 0;
    const result = await driver.exec(main, "head -c 3145728 /dev/zero | tr '\\0' a; echo END", {
      onStdout: (c) => (streamed += c.length),
    });
    expect(streamed).toBe(3 * 1024 * 1024 + 4);
    expect(result.stdout.length).toBe(1024 * 1024);
    expect(result.stdout.endsWith('aEND\n')).toBe(true);
  });

  it('kills a command at its timeout with TransientError Timeout and stays usable', async () => {
    const err = await rejection(driver.exec(main, 'sleep 30', { timeoutMs: 300 }));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.reason).toBe('Timeout');
    expect(err.message).toContain(main.id);
    expect((await driver.exec(main, 'echo again')).stdout).toBe('again\n');
  });

  it('cancels a running command when its signal aborts', async () => {
    const ac = new AbortController();
    const err = await rejection(
      driver.exec(main, 'echo started; sleep 30', { signal: ac.signal, onStdout: () => ac.abort() }),
    );
    expect(err.reason).toBe('Cancelled');
  });
});

describe('files', () => {
  it('uploads atomically with the mode set and no temp file left behind', async () => {
    const host = lab.hosts[0]!;
    const content = randomBytes(20 * 1024);
    await driver.upload(main, '/srv/app/conf/blob.bin', content, { mode: 0o640, mkdirs: true });
    const stat = await host.exec('stat -c %a /srv/app/conf/blob.bin; ls -a /srv/app/conf');
    expect(stat.stdout.split('\n').filter(Boolean)).toEqual(['640', '.', '..', 'blob.bin']);
    expect((await driver.readFile(main, '/srv/app/conf/blob.bin'))?.equals(content)).toBe(true);

    await driver.upload(main, '/srv/app/conf/blob.bin', "it's new\n");
    const after = await host.exec('stat -c %a /srv/app/conf/blob.bin; cat /srv/app/conf/blob.bin; ls -a /srv/app/conf');
    expect(after.stdout).toBe("640\nit's new\n.\n..\nblob.bin\n");
  });

  it('fails an upload whose parent is missing without mkdirs, leaving nothing', async () => {
    const err = await rejection(driver.upload(main, '/srv/nowhere/x.txt', 'x'));
    expect(err.reason).toBe('CommandFailed');
    expect((await lab.hosts[0]!.exec('test -e /srv/nowhere; echo $?')).stdout.trim()).toBe('1');
  });

  it('reads a missing file as undefined and a directory as an error', async () => {
    expect(await driver.readFile(main, '/etc/does-not-exist.conf')).toBeUndefined();
    const err = await rejection(driver.readFile(main, '/etc'));
    expect(err.reason).toBe('CommandFailed');
    expect((await driver.readFile(main, '/etc/hostname'))?.toString().trim()).toBe(lab.hosts[0]!.name);
  });
});

describe('pool', () => {
  it('shares one dial between concurrent first uses and reuses it afterwards', async () => {
    const target = lab.targets()[1]!;
    const fresh = createSshDriver({ knownHostsPath, perHostConcurrency: 4 });
    try {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => fresh.exec(target, `echo ${i}`)));
      expect(results.map((r) => r.stdout.trim())).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
      for (let i = 0; i < 5; i++) await fresh.readFile(target, '/etc/hostname');
      expect(fresh.stats().dials).toBe(1);
      expect(fresh.stats().openConnections).toBe(1);
    } finally {
      await fresh.close();
    }
    expect(fresh.stats().openConnections).toBe(0);
  });

  it('caps channels per host and queues the rest', async () => {
    const host = lab.hosts[0]!;
    await host.exec('rm -rf /tmp/cc /tmp/cc-log; mkdir /tmp/cc');
    // Each command counts the markers present right after adding its own: the peak is the concurrency reached.
    const cmd = 'touch /tmp/cc/$$; ls /tmp/cc | wc -l >> /tmp/cc-log; sleep 0.3; rm /tmp/cc/$$';
    const results = await Promise.all(Array.from({ length: 9 }, () => driver.exec(main, cmd)));
    expect(results.every((r) => r.code === 0)).toBe(true);
    const counts = (await host.exec('cat /tmp/cc-log')).stdout.split('\n').filter(Boolean).map(Number);
    expect(counts).toHaveLength(9);
    expect(Math.max(...counts)).toBeLessThanOrEqual(3);
    expect(driver.stats().maxInFlightPerHost).toBe(3);
  });

  it('reports a stopped host as Unreachable and reconnects once it is back', async () => {
    const host = lab.hosts[1]!;
    const target = lab.targets()[1]!;
    const local = createSshDriver({ knownHostsPath, connectTimeoutMs: 5_000 });
    try {
      expect((await local.exec(target, 'echo up')).stdout).toBe('up\n');
      await host.stop();
      const err = await rejection(local.exec(target, 'echo down'));
      expect(err).toBeInstanceOf(TransientError);
      expect(err.reason).toBe('Unreachable');
      expect(err.message).toContain(target.id);
      await host.start();
      expect((await local.exec(target, 'echo back')).stdout).toBe('back\n');
      expect(local.stats().dials).toBe(2);
    } finally {
      await local.close();
    }
  });

  it('maps a rejected key to StalledError AuthenticationFailed without key material', async () => {
    const other = generateEd25519(ssh2);
    const target = { ...main, id: 'Host/wrong-key', privateKey: other.private };
    const err = await rejection(driver.exec(target, 'true'));
    expect(err).toBeInstanceOf(StalledError);
    expect(err.reason).toBe('AuthenticationFailed');
    expect(err.message).toContain('Host/wrong-key');
    expect(err.message).not.toMatch(/PRIVATE KEY|BEGIN/);
  });
});

describe('host key pinning', () => {
  it('records keys in a 0600 file and refuses a changed key, leaving the file unchanged', async () => {
    const host = lab.hosts[2]!;
    const target = lab.targets()[2]!;
    const path = join(tempDir('ssh-pin'), 'known_hosts');
    const pinned = createSshDriver({ knownHostsPath: path });
    try {
      await pinned.exec(target, 'true');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const before = readFileSync(path, 'utf8');
      const hostId = `[${target.host}]:${target.port}`;
      const line = before.split('\n').find((l) => l.startsWith(hostId));
      const expected = line?.split(' ')[2];
      expect(expected).toMatch(/^SHA256:/);

      await host.regenerateHostKey();
      const presented = (await host.exec('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub')).stdout.split(' ')[1];
      expect(presented).not.toBe(expected);
      for (let attempt = 0; attempt < 2; attempt++) {
        const err = await rejection(pinned.exec(target, 'true'));
        expect(err).toBeInstanceOf(StalledError);
        expect(err.reason).toBe('HostKeyMismatch');
        expect(err.message).toContain(hostId);
        expect(err.message).toContain(expected!);
        expect(err.message).toContain(presented!);
        expect(err.message).toContain('delete the line');
      }
      expect(readFileSync(path, 'utf8')).toBe(before);

      // A provider's new machine that got a recycled address is pinned by its instance, not refused for the old key.
      const machine = { ...target, id: 'Machine/m-1', hostKeyId: 'aliyun:i-recycled' };
      expect((await pinned.exec(machine, 'echo machine')).stdout).toBe('machine\n');
      const withMachine = readFileSync(path, 'utf8');
      expect(withMachine).toContain(`aliyun:i-recycled ssh-ed25519 ${presented}`);
      expect(withMachine).toContain(`${hostId} ssh-ed25519 ${expected}`);

      writeFileSync(path, before.split('\n').filter((l) => !l.startsWith(hostId)).join('\n'));
      expect((await pinned.exec(target, 'echo accepted')).stdout).toBe('accepted\n');
      expect(readFileSync(path, 'utf8')).toContain(`${hostId} ssh-ed25519 ${presented}`);
    } finally {
      await pinned.close();
    }
  });
});
