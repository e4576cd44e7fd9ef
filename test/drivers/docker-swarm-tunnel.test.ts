/**
 * The Swarm driver's transport against a real sshd lab host (with the machine's Docker socket, so `docker system
 * dial-stdio` on the host reaches a real engine): a burst of engine calls and a run of sequential ones share ONE
 * SSH connection (counted by sshd itself in its log, and by the driver), at most 4 dial-stdio channels stay open
 * on the host and are reused, close() lets the next call dial afresh, and a host key the pin store refuses gets no
 * call through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReconcileError } from '../../src/errors.js';
import { createSwarmDriver } from '../../src/drivers/docker-swarm/index.js';
import type { SwarmDriver } from '../../src/drivers/types.js';
import { StalledError } from '../../src/errors.js';
import { labDocker } from '../harness/docker.js';
import { startTestHosts, type TestHosts } from '../harness/hosts.js';

let lab: TestHosts;
const drivers: SwarmDriver[] = [];

/** Public-key logins sshd accepted so far (sshd runs with -e: its log is the container's). */
async function logins(): Promise<number> {
  const raw = await labDocker().getContainer(lab.hosts[0]!.containerId).logs({ stdout: true, stderr: true });
  return raw.toString('latin1').split('Accepted publickey for root').length - 1;
}

async function dialStdioProcesses(): Promise<number> {
  const out = await lab.hosts[0]!.exec(`pgrep -f -c '^docker system dial-stdio' || true`);
  return Number(out.stdout.trim());
}

beforeAll(async () => {
  lab = await startTestHosts(1, { name: 'swarmtun', dockerSocket: true });
});

afterAll(async () => {
  for (const d of drivers) await d.close();
  await lab?.teardown();
});

describe('swarm driver transport', () => {
  it('runs a burst and a sequence of engine calls over one SSH connection and at most 4 reused channels', async () => {
    const driver = createSwarmDriver();
    drivers.push(driver);
    const engine = driver.engine(lab.targets()[0]!);
    const before = await logins();
    const burst = await Promise.all(Array.from({ length: 20 }, () => engine.local()));
    expect(burst.every((l) => l.state === 'inactive' || l.state === 'active')).toBe(true);
    for (let i = 0; i < 10; i++) expect((await engine.networks({ name: ['bridge'] })).map((n) => n.name)).toContain('bridge');
    expect(driver.stats()).toEqual({ dials: 1, hosts: 1 });
    expect((await logins()) - before).toBe(1);
    // The channels are kept for reuse, not one process per call: 30 calls, at most the per-host cap still open.
    const open = await dialStdioProcesses();
    expect(open).toBeGreaterThanOrEqual(1);
    expect(open).toBeLessThanOrEqual(4);
  });

  it('dials again after close()', async () => {
    const driver = createSwarmDriver();
    drivers.push(driver);
    const engine = driver.engine(lab.targets()[0]!);
    await engine.local();
    await driver.close();
    const before = await logins();
    expect((await engine.local()).hostname).not.toBe('');
    expect(driver.stats().dials).toBe(2);
    expect((await logins()) - before).toBe(1);
    await driver.close();
  });

  it('refuses a host whose key the pin store rejects, before any call', async () => {
    const driver = createSwarmDriver({ verifyHostKey: () => Promise.reject(new StalledError('HostKeyMismatch', 'host key changed')) });
    drivers.push(driver);
    const err = await driver
      .engine(lab.targets()[0]!)
      .local()
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ReconcileError);
    expect((err as ReconcileError).reason).toBe('HostKeyMismatch');
    expect(driver.stats().dials).toBe(0);
  });
});
