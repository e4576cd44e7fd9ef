/**
 * A CF deployment on two real hosts under real monit: installs in dependency order (per-host order files written
 * by the stand-in install scripts), re-plans to a no-op, resurrects a killed process, holds resurrection when too
 * many are down (meltdown guard, said in status), stops and restarts the GitOps way, and scales out installing
 * only the new instance.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cfDeploymentKind } from '../../../src/kinds/cf-deployment/index.js';
import type { CFDeploymentSpec } from '../../../src/kinds/cf-deployment/spec.js';
import Fastify from 'fastify';
import { StalledError } from '../../../src/errors.js';
import { registerDeploymentEngineRoutes } from '../../../src/server/routes/deployment-engine.js';
import { createDeploymentReadModel } from '../../../src/kinds/cf-deployment/read-model.js';
import { waitFor } from '../../harness/cli.js';
import { createCfWorld, type CfWorld } from './fixture.js';

let w: CfWorld;
const MONIT = 'monit -c /var/vcap/monit/monitrc';

function components(over: Partial<CFDeploymentSpec['components']> = {}): CFDeploymentSpec['components'] {
  const [h1, h2] = w.hostNames as [string, string];
  return {
    nats: [h1, h2],
    // the seed's form: a plain address, mapped to the declared Host (port tells lab hosts on one address apart)
    database: [w.addressOf(0)],
    uaa: [h2],
    cloud_controller_ng: [h1, h2],
    ...over,
  };
}

const order = async (host: number): Promise<string[]> => (await w.sh(host, 'cat /var/vcap/install-order')).trim().split('\n');
const pidOf = async (host: number, c: string): Promise<string> => (await w.sh(host, `cat /var/vcap/sys/run/${c}/${c}.pid`)).trim();
const summary = async (host: number, c: string): Promise<string> =>
  (await w.sh(host, `${MONIT} -B summary`)).split('\n').find((l) => l.trim().startsWith(`${c} `)) ?? '';
const kill = (host: number, c: string): Promise<string> => w.sh(host, `kill $(cat /var/vcap/sys/run/${c}/${c}.pid)`);

beforeAll(async () => {
  w = await createCfWorld(2, 'cf');
});

afterAll(async () => {
  await w?.close();
});

describe('CFDeployment on real hosts with monit', () => {
  it('installs in dependency order, one install per host at a time, all running under monit; re-plan is a no-op', async () => {
    const dep = w.deployment('cf', { components: components() });
    const diff = await w.converge(dep);
    expect(diff.action).toBe('create');
    expect(diff.changes.map((c) => c.path)).toEqual(['instances.install']);
    const h1 = await order(0);
    const h2 = await order(1);
    expect(h1.sort()).toEqual(['cloud_controller_ng_0', 'database_0', 'nats_0'].sort());
    expect((await order(0)).at(-1)).toBe('cloud_controller_ng_0');
    expect(h2.indexOf('uaa_0')).toBeLessThan(h2.indexOf('cloud_controller_ng_1'));
    expect(h2.indexOf('nats_1')).toBeLessThan(h2.indexOf('cloud_controller_ng_1'));
    for (const [host, c] of [[0, 'nats'], [0, 'database'], [0, 'cloud_controller_ng'], [1, 'nats'], [1, 'uaa'], [1, 'cloud_controller_ng']] as const) {
      expect(await summary(host, c)).toMatch(/\bOK\b/);
    }
    const again = await w.plan(dep);
    expect(again.diff).toEqual({ action: 'noop', changes: [] });
    expect(cfDeploymentKind.health(again.observed).status).toBe('Healthy');
    const logs = JSON.parse(await readFile(join(w.stateDir, 'cf', 'cf', 'status.json'), 'utf8')) as { observed: { hosts: unknown[] } };
    expect(logs.observed.hosts).toHaveLength(2);
  });

  it('restarts a killed component (resurrection)', async () => {
    const dep = w.deployment('cf', { components: components() });
    const before = await pidOf(1, 'cloud_controller_ng');
    await kill(1, 'cloud_controller_ng');
    const resurrect = async () => (await w.plan(dep)).diff.changes.find((c) => c.path === 'instances.resurrect');
    await waitFor('monit to see the process gone', async () => (await resurrect()) !== undefined, 20_000, 200);
    expect((await resurrect())?.after).toEqual([`cloud_controller_ng_1@${w.hostNames[1]}`]);
    await w.converge(dep);
    expect(await summary(1, 'cloud_controller_ng')).toMatch(/\bOK\b/);
    expect(await pidOf(1, 'cloud_controller_ng')).not.toBe(before);
    expect((await w.plan(dep)).diff.action).toBe('noop');
  });

  it('holds resurrection when too many are down at once, and says so', async () => {
    const dep = w.deployment('cf', { components: components(), resurrection: { maxDown: 1 } });
    await kill(0, 'nats');
    await kill(0, 'database');
    await kill(1, 'uaa');
    await waitFor('monit to see three processes gone', async () => {
      const held = (await w.plan(dep)).diff.changes.find((c) => c.path === 'instances.resurrect');
      return /3 of 6/.test(String(held?.after));
    }, 20_000, 200);
    const err = await w.converge(dep).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(StalledError);
    expect((err as Error).message).toMatch(/meltdown guard holds: 3 of 6 instances down/);
    expect(await summary(0, 'nats')).toMatch(/Does not exist/);
    const health = cfDeploymentKind.health(await w.observe(dep));
    expect(health.status).toBe('Degraded');
    expect(health.message).toMatch(/meltdown guard holds/);
    const snap = JSON.parse(await readFile(join(w.stateDir, 'cf', 'cf', 'status.json'), 'utf8')) as { meltdown?: string };
    expect(snap.meltdown).toMatch(/not resurrecting .*nats_0/);
    // a human raises the limit: all three come back
    await w.converge(w.deployment('cf', { components: components(), resurrection: { maxDown: 5 } }));
    for (const [host, c] of [[0, 'nats'], [0, 'database'], [1, 'uaa']] as const) expect(await summary(host, c)).toMatch(/\bOK\b/);
  });

  it('stops a component declared stopped via monit, and starts it when the mark goes', async () => {
    const [, h2] = w.hostNames as [string, string];
    const stopped = w.deployment('cf', { components: components({ uaa: { hosts: [h2], state: 'stopped' } }) });
    const diff = await w.converge(stopped);
    expect(diff.changes).toEqual([{ path: 'instances.stop', after: [`uaa_0@${h2}`] }]);
    expect(await summary(1, 'uaa')).toMatch(/Not monitored/);
    expect((await w.sh(1, 'ls /var/vcap/sys/run/uaa')).trim()).toBe('');
    expect((await w.plan(stopped)).diff.action).toBe('noop');
    const running = w.deployment('cf', { components: components() });
    expect((await w.converge(running)).changes).toEqual([{ path: 'instances.start', after: [`uaa_0@${h2}`] }]);
    expect(await summary(1, 'uaa')).toMatch(/\bOK\b/);
  });

  it('scales out: adding a host to a component installs only that instance', async () => {
    const [h1, h2] = w.hostNames as [string, string];
    const before = [await order(0), await order(1)];
    const pids = await pidOf(0, 'cloud_controller_ng');
    const dep = w.deployment('cf', { components: components({ uaa: [h2, h1] }) });
    const diff = await w.converge(dep);
    expect(diff.changes).toEqual([{ path: 'instances.install', after: [`uaa_1@${h1}`] }]);
    expect(await order(0)).toEqual([...(before[0] as string[]), 'uaa_1']);
    expect(await order(1)).toEqual(before[1]);
    expect(await pidOf(0, 'cloud_controller_ng')).toBe(pids);
    expect(await summary(0, 'uaa')).toMatch(/\bOK\b/);
    expect((await w.plan(dep)).diff.action).toBe('noop');
  });

  it('serves the Deployment Engine routes from the observations: status, hardware, config, logs', async () => {
    const [h1, h2] = w.hostNames as [string, string];
    const dep = w.deployment('cf', {
      components: components({ uaa: [h2, h1] }),
      properties: { domain: 'cf.test', checkdisk: true, adduser: false, root: { secret: 'cf-root-password' } },
    });
    await w.plan(dep);
    const app = Fastify();
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    registerDeploymentEngineRoutes(app, { deployments: createDeploymentReadModel(w.store) });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const status = (await (await fetch(`${url}/deployment-engine/status`)).json()) as Record<string, string>[];
      expect(status).toHaveLength(7);
      expect(status.every((e) => e.Status === 'RUNNING' && /^[\d.]+%$/.test(e.Mem ?? '') && /^\d+%$/.test(e.Disk ?? ''))).toBe(true);
      expect(Object.keys(status[0] ?? {}).sort()).toEqual(['Comp', 'Cpu', 'Disk', 'Host', 'Ip', 'Mem', 'Status']);
      const hw = (await (await fetch(`${url}/deployment-engine/hardware?comp=uaa&ip=${h1}`)).json()) as Record<string, unknown>;
      expect(hw).toMatchObject({ Comp: 'uaa', Host: h1, IP: '127.0.0.1' });
      expect(hw.CPU).toBeGreaterThan(0);
      const config = (await (await fetch(`${url}/deployment-engine/config`)).json()) as { properties: Record<string, unknown> };
      expect(config.properties.root).toBe('(secret)');
      expect(JSON.stringify(config)).not.toContain('cf-root-password');
      const logs = (await (await fetch(`${url}/deployment-engine/download`)).json()) as string[];
      expect(logs).toEqual(expect.arrayContaining(['local.log', 'nats_0.log', 'nats_1.log', 'uaa_1.log']));
      const log = await fetch(`${url}/deployment-engine/download`, { method: 'PUT', body: 'uaa_1.log' });
      expect(log.status).toBe(200);
      expect(await log.text()).toMatch(/installed uaa 1 at 127\.0\.0\.1 for cf\.test/);
      expect((await fetch(`${url}/deployment-engine/download/..%2Fstatus.json`)).status).toBe(404);
      expect((await fetch(`${url}/deployment-engine/stop`, { method: 'PUT', body: '{}' })).status).toBe(405);
    } finally {
      await app.close();
    }
  });
});
