/**
 * A Pool with `runtime: swarm` on a real swarm: three lab hosts with their own engines (1 manager, 2 workers)
 * pull the image from a real registry on the bridge gateway. The pool becomes one service: created with the image
 * pinned by digest, then a re-plan is a no-op; a field change shows as field diffs; a hand `docker service scale`
 * is DriftDetected and restored; a rotated secret makes a new Swarm secret, the service follows and the old one
 * is removed, and the value never appears in a plan.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNginxDriver } from '../../../src/drivers/nginx/index.js';
import { nginxUnitKind } from '../../../src/kinds/nginx-unit/index.js';
import type { NginxUnitSpec } from '../../../src/kinds/nginx-unit/spec.js';
import type { NginxUpstreamSpec } from '../../../src/kinds/nginx-upstream/spec.js';
import { poolKind } from '../../../src/kinds/pool/index.js';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import type { SwarmClusterSpec } from '../../../src/kinds/swarm-cluster/index.js';
import { swarmClusterKind } from '../../../src/kinds/swarm-cluster/index.js';
import type { Resource } from '../../../src/model/resource.js';
import { createResourceIndex } from '../../../src/reconcile/runtime.js';
import { labDocker } from '../../harness/docker.js';
import { startRegistry, type TestRegistry } from '../../harness/registry.js';
import { seedSmallWebImage } from '../../harness/small-image.js';
import { LOOPBACK_HOSTS, secretRef } from '../../harness/secrets.js';
import { bridgeGateway, startTcpForward, type TcpForward } from '../../harness/tcp-forward.js';
import { createSwarmWorld, type SwarmWorld } from '../swarm-cluster/fixture.js';
import { startLoad, type LoadRecord } from './load.js';

let w: SwarmWorld;
let registry: TestRegistry;
let forward: TcpForward;
let image: string;
let resources: Resource[];

beforeAll(async () => {
  const docker = labDocker();
  registry = await startRegistry();
  const outer = await seedSmallWebImage(docker, registry, 'swarm/web:1');
  forward = await startTcpForward(await bridgeGateway(docker), Number(registry.address.split(':')[1]));
  image = outer.replace(registry.address, forward.address);
  w = await createSwarmWorld(3, 'swpool', { insecureRegistries: [forward.address] });
  const [a, b, c] = w.names as [string, string, string];
  const cluster = w.res<SwarmClusterSpec>('SwarmCluster', 'lab', { managers: { names: [a] }, workers: { names: [b, c] }, advertiseAddr: 'eth0' });
  resources = [...w.hostResources(), cluster];
  await w.converge(swarmClusterKind, cluster, resources);
  // Nodes heartbeat every 1 s instead of 5 s, so the stopped worker below is marked down (and its task moved) in
  // seconds: the test waits on Swarm's detection, which is not driftless's to speed up.
  expect((await w.th.hosts[0]!.exec('docker swarm update --dispatcher-heartbeat 1s')).code).toBe(0);
}, 300_000);

afterAll(async () => {
  await w?.close();
  await forward?.stop();
  await registry?.stop();
});

const SERVE = ['sh', '-c', 'mkdir -p /tmp/w && echo "$VERSION $(cat /etc/hostname)" > /tmp/w/index.html && cd /tmp/w && exec python3 -m http.server 8080'];

function pool(name: string, over: Partial<PoolSpec> = {}, swarm: Partial<NonNullable<PoolSpec['swarm']>> = {}): Resource<PoolSpec> {
  return w.res<PoolSpec>('Pool', name, {
    service: 'web',
    runtime: 'swarm',
    replicas: 2,
    container: { image, command: SERVE, env: { VERSION: 'v1' }, ports: [{ container: 8080, host: 18080 }] },
    ...over,
    swarm: { cluster: 'lab', update: { monitor: '1s' }, healthCheck: { command: ['python3', '-c', 'import urllib.request as u; u.urlopen("http://127.0.0.1:8080/", timeout=2)'], interval: '1s', retries: 3 }, ...swarm },
  });
}

const manager = () => w.th.hosts[0]!;

it('validates swarm fields at load', () => {
  const bad = w.res<PoolSpec>('Pool', 'bad', { ...pool('bad').spec, hosts: { names: ['x'] }, swarm: { cluster: 'nope' } });
  const messages = poolKind.validate!(bad, createResourceIndex(resources)).map((p) => p.message);
  expect(messages).toEqual([
    'Pool/bad: hosts: not used with runtime: swarm; use swarm.placement.constraints',
    'Pool/bad: swarm.cluster: SwarmCluster/nope is not declared',
  ]);
});

// Each of these owns its service (names, secrets and networks are per test, only the first publishes a port), so
// they run at once: most of their time is Swarm's health-check and monitor windows, not CPU.
describe.concurrent('pool on docker swarm', () => {
  it('creates one service, image pinned by digest; re-plan is a no-op; a field change is a field diff', async () => {
    const name = `web-${randomBytes(2).toString('hex')}`;
    const p1 = pool(name);
    const first = await w.plan(poolKind, p1, [...resources, p1]);
    expect(first.diff.action).toBe('create');
    const pinned = first.diff.changes.find((c) => c.path === 'image')?.after as string;
    expect(pinned).toMatch(new RegExp(`^${image.replace(/[.:/]/g, '\\$&')}@sha256:[0-9a-f]{64}$`));
    await w.converge(poolKind, p1, [...resources, p1]);
    const ls = await manager().exec(`docker service ls --filter name=${name} --format '{{.Name}} {{.Replicas}}'`);
    expect(ls.stdout.trim()).toBe(`${name} 2/2`);
    const again = await w.plan(poolKind, p1, [...resources, p1]);
    expect(again.diff).toEqual({ action: 'noop', changes: [] });
    expect(poolKind.health(again.observed).status).toBe('Healthy');
    expect(again.observed?.hosts.flatMap((h) => h.nodes).filter((n) => n.healthy)).toHaveLength(2);

    const p2 = pool(name, { container: { ...p1.spec.container, env: { VERSION: 'v2' } } }, { update: { monitor: '1s', order: 'start-first', parallelism: 1 } });
    const changed = await w.plan(poolKind, p2, [...resources, p2]);
    expect(changed.diff.action).toBe('update');
    expect(changed.diff.reason).toBeUndefined();
    expect(changed.diff.changes).toEqual([
      { path: 'env', before: ['VERSION=v1'], after: ['VERSION=v2'] },
      { path: 'update.order', before: 'stop-first', after: 'start-first' },
    ]);
    await w.converge(poolKind, p2, [...resources, p2]);
    expect((await w.plan(poolKind, p2, [...resources, p2])).diff.action).toBe('noop');

    // A hand change: `docker service scale` on the manager is drift, and apply restores the declared count.
    expect((await manager().exec(`docker service scale -d ${name}=1`)).code).toBe(0);
    const drift = await w.plan(poolKind, p2, [...resources, p2]);
    expect(drift.diff).toMatchObject({ action: 'update', reason: 'DriftDetected', changes: [{ path: 'replicas', before: 1, after: 2 }] });
    await w.converge(poolKind, p2, [...resources, p2]);
    expect((await manager().exec(`docker service inspect ${name} --format '{{.Spec.Mode.Replicated.Replicas}}'`)).stdout.trim()).toBe('2');
    expect(poolKind.health((await w.plan(poolKind, p2, [...resources, p2])).observed).status).toBe('Healthy');
    expect((await manager().exec(`docker service ls -q --filter name=${name} | wc -l`)).stdout.trim()).toBe('1');
  }, 300_000);

  it('rotates a secret: new Swarm secret, service updated, old secret removed, value never in a plan', async () => {
    const name = `sec-${randomBytes(2).toString('hex')}`;
    const v1 = `s3cret-${randomBytes(6).toString('hex')}`;
    const v2 = `s3cret-${randomBytes(6).toString('hex')}`;
    w.addSecret(`${name}-pw`, { value: v1, allow: LOOPBACK_HOSTS });
    const p = pool(name, { replicas: 1, container: { ...pool(name).spec.container, ports: [] } }, { secrets: [{ secret: secretRef(`${name}-pw`), target: 'db-password' }] });
    const first = await w.plan(poolKind, p, [...resources, p]);
    expect(JSON.stringify(first.diff)).not.toContain(v1);
    await w.converge(poolKind, p, [...resources, p]);
    const listSecrets = async () => (await manager().exec(`docker secret ls --filter label=driftless.dev/pool=${name} --format '{{.Name}}'`)).stdout.trim().split('\n').filter(Boolean);
    const before = await listSecrets();
    expect(before).toHaveLength(1);
    expect((await w.plan(poolKind, p, [...resources, p])).diff.action).toBe('noop');

    w.addSecret(`${name}-pw`, { value: v2, allow: LOOPBACK_HOSTS });
    const rotated = await w.plan(poolKind, p, [...resources, p]);
    expect(rotated.diff.changes).toEqual([{ path: 'secrets', sensitive: true }]);
    expect(JSON.stringify(rotated)).not.toContain(v1);
    expect(JSON.stringify(rotated)).not.toContain(v2);
    await w.converge(poolKind, p, [...resources, p]);
    const after = await listSecrets();
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before[0]);
    const inspect = await manager().exec(`docker service inspect ${name} --format '{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.SecretName}}{{end}}'`);
    expect(inspect.stdout.trim()).toBe(after[0]);
    expect((await w.plan(poolKind, p, [...resources, p])).diff.action).toBe('noop');
  }, 300_000);
});

describe.concurrent('pool on docker swarm: failures', () => {
  it('a new image whose tasks fail is rolled back by Swarm (failureAction rollback); apply fails with the reason', async () => {
    const name = `rb-${randomBytes(2).toString('hex')}`;
    const noPorts = { ...pool(name).spec.container, ports: [] };
    const good = pool(name, { replicas: 1, container: noPorts }, { update: { monitor: '2s', failureAction: 'rollback' }, rollback: { monitor: '1s' } });
    await w.converge(poolKind, good, [...resources, good]);
    const bad = pool(name, { replicas: 1, container: { ...noPorts, command: ['sh', '-c', 'exit 3'] } }, { update: { monitor: '2s', failureAction: 'rollback' }, rollback: { monitor: '1s' } });
    const err = await w.converge(poolKind, bad, [...resources, bad]).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.name).toBe('FailedError');
    expect(err?.message).toMatch(/rolled the update back/);
    const cmd = await manager().exec(`docker service inspect ${name} --format '{{json .Spec.TaskTemplate.ContainerSpec.Command}}'`);
    expect(JSON.parse(cmd.stdout)).toEqual(SERVE);
    const after = await w.plan(poolKind, bad, [...resources, bad]);
    expect(after.diff.changes.map((c) => c.path)).toEqual(['command']);
    expect(poolKind.health(after.observed).status).toBe('Degraded');
  }, 300_000);

  it('kill -9 of the applying process mid service update: a re-run converges with no duplicate service, network or secret', async () => {
    const name = `kill-${randomBytes(2).toString('hex')}`;
    w.addSecret(`${name}-pw`, { value: `pw-${randomBytes(6).toString('hex')}`, allow: LOOPBACK_HOSTS });
    const container = (v: string) => ({ ...pool(name).spec.container, ports: [], env: { VERSION: v } });
    const swarmFields = { networks: [`${name}-net`], secrets: [{ secret: secretRef(`${name}-pw`), target: 'pw' }], update: { monitor: '1s', delay: '3s', parallelism: 1 } };
    const v1 = pool(name, { replicas: 2, container: container('v1') }, swarmFields);
    await w.converge(poolKind, v1, [...resources, v1]);
    const v2 = pool(name, { replicas: 2, container: container('v2') }, swarmFields);
    const dir = await mkdtemp(join(tmpdir(), 'driftless-swarm-child-'));
    const input = join(dir, 'world.json');
    await writeFile(input, JSON.stringify({ resources: [...resources, v2], pool: name, secrets: w.secrets, knownHosts: w.knownHosts }));
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'apply-child.ts'), input], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    const state = () => manager().exec(`docker service inspect ${name} --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}'`);
    const deadline = Date.now() + 120_000;
    while ((await state()).stdout.trim() !== 'updating') {
      expect(child.exitCode, stderr).toBeNull();
      expect(Date.now() < deadline, 'the update never started').toBe(true);
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
    await w.converge(poolKind, v2, [...resources, v2]);
    expect((await w.plan(poolKind, v2, [...resources, v2])).diff.action).toBe('noop');
    const count = async (cmd: string) => (await manager().exec(`${cmd} | wc -l`)).stdout.trim();
    expect(await count(`docker service ls -q --filter name=${name}`)).toBe('1');
    expect(await count(`docker network ls -q --filter name=${name}-net`)).toBe('1');
    expect(await count(`docker secret ls -q --filter label=driftless.dev/pool=${name}`)).toBe('1');
    const env = await manager().exec(`docker service inspect ${name} --format '{{json .Spec.TaskTemplate.ContainerSpec.Env}}'`);
    expect(JSON.parse(env.stdout)).toEqual(['VERSION=v2']);
  }, 300_000);
});

describe('pool on docker swarm behind nginx', () => {
  it('rolls start-first with 0 failed requests through nginx; a stopped worker is rescheduled (Degraded, then Healthy) and nginx members follow', async () => {
    const name = `api-${randomBytes(2).toString('hex')}`;
    const [a] = w.names as [string];
    // Host-mode ports: this kernel has no IPVS, so Swarm's ingress routing mesh cannot work here (README says why
    // membership uses node addresses anyway). Two tasks over three nodes leave one free for start-first.
    const api = (v: string) =>
      pool(name, { replicas: 2, container: { ...pool(name).spec.container, env: { VERSION: v }, ports: [{ container: 8080, host: 18081 }] } }, {
        publishMode: 'host',
        update: { monitor: '2s', order: 'start-first', parallelism: 1 },
      });
    const nginxRes = (p: Resource<PoolSpec>): Resource[] => [
      ...resources,
      p,
      w.res('Service', 'web', { cluster: 'c' }),
      w.res('NginxGroup', 'shop', {}),
      w.res<NginxUpstreamSpec>('NginxUpstream', 'api', { group: 'shop', pools: [{ pool: name, port: 18081 }], keepalive: 8 }),
    ];
    const unit = w.res<NginxUnitSpec>('NginxUnit', 'edge', { group: 'shop', hosts: { names: [a] }, upstreams: ['api'], vars: { upstream: 'api', listen: 8090 } });
    let nginx: ReturnType<typeof createNginxDriver> | undefined;
    const nginxCtx = (p: Resource<PoolSpec>) => {
      const ctx = w.ctxFor([...nginxRes(p), unit]);
      nginx ??= createNginxDriver(ctx.drivers.ssh);
      return { ...ctx, runId: 'run-under-test', drivers: { ...ctx.drivers, nginx } };
    };
    const publish = async (p: Resource<PoolSpec>) => {
      const ctx = nginxCtx(p);
      const observed = await nginxUnitKind.observe(unit, ctx);
      const diff = nginxUnitKind.diff(unit, observed);
      if (diff.action !== 'noop') {
        await nginxUnitKind.apply({ key: 'NginxUnit/edge', kind: 'NginxUnit', name: 'edge', action: diff.action, wave: 0, changes: diff.changes, dependsOn: [], digest: 'd', desired: unit, observed }, ctx);
      }
      return diff;
    };
    const upstreamFile = async () => (await manager().exec('cat /etc/driftless/nginx/edge/current/upstream/api.upstream')).stdout;
    const ipOf = async (i: number) => (await w.th.hosts[i]!.exec("ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1")).stdout.trim();
    const ips = Object.fromEntries(await Promise.all(w.names.map(async (n, i) => [n, await ipOf(i)] as const)));
    const taskHosts = async (p: Resource<PoolSpec>) => ((await w.plan(poolKind, p, nginxRes(p))).observed?.hosts ?? []).map((h) => h.host).sort();

    await w.converge(poolKind, api('v1'), nginxRes(api('v1')));
    await publish(api('v1'));
    const members = async () => (await upstreamFile()).match(/[0-9.]+:18081/g)?.sort() ?? [];
    expect(await members()).toEqual((await taskHosts(api('v1'))).map((h) => `${ips[h]}:18081`).sort());
    expect((await manager().exec('curl -s -m 5 http://127.0.0.1:8090/')).stdout).toMatch(/^v1 /);

    const load = await startLoad(manager(), ['http://127.0.0.1:8090/']);
    let record: LoadRecord;
    try {
      await w.converge(poolKind, api('v2'), nginxRes(api('v2')));
      await publish(api('v2'));
    } finally {
      record = await load.stop();
    }
    expect(record.failed.length, record.summary).toBeGreaterThan(3);
    expect(record.failed.filter((r) => r[0]).length, record.summary).toBe(0);
    expect(await members()).toEqual((await taskHosts(api('v2'))).map((h) => `${ips[h]}:18081`).sort());
    expect((await manager().exec('curl -s -m 5 http://127.0.0.1:8090/')).stdout).toMatch(/^v2 /);

    // The machine of a worker running a task stops: Swarm moves the task; the pool is Degraded meanwhile, then Healthy.
    const victim = (await taskHosts(api('v2'))).find((h) => h !== a)!;
    await labDocker().getContainer(victim).stop({ t: 1 });
    const seen: string[] = [];
    const deadline = Date.now() + 120_000;
    for (;;) {
      const status = poolKind.health((await w.plan(poolKind, api('v2'), nginxRes(api('v2')))).observed).status;
      if (seen.at(-1) !== status) seen.push(status);
      if (status === 'Healthy' && seen.includes('Degraded')) break;
      expect(Date.now() < deadline, `health seen: ${seen.join(' -> ')}`).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
    }
    const now = await taskHosts(api('v2'));
    expect(now).not.toContain(victim);
    expect(now).toHaveLength(2);
    expect((await publish(api('v2'))).action).not.toBe('noop');
    expect(await members()).toEqual(now.map((h) => `${ips[h]}:18081`).sort());
    expect((await manager().exec('curl -s -m 5 http://127.0.0.1:8090/')).stdout).toMatch(/^v2 /);
  }, 300_000);
});
