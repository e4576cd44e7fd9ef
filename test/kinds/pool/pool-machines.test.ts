/**
 * Pools on machines they make (lab provider, real sshd machines, real nodes on the shared engine): expanding a pool
 * from a MachineTemplate creates and initialises one machine per node and runs the node there, re-planning is a
 * no-op, shrinking returns the emptied machine, an exhausted quota stops expansion with QuotaExceeded naming the
 * template and its hours, and the real CLI killed with SIGKILL right after the machine appeared adopts it on re-run.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReconcileError } from '../../../src/errors.js';
import type { MachineTemplateSpec } from '../../../src/kinds/machine-template/spec.js';
import { createMemberCache, memberHooks, resolveMembers } from '../../../src/kinds/nginx-upstream/members.js';
import type { NginxUpstreamSpec } from '../../../src/kinds/nginx-upstream/spec.js';
import { createPoolKind } from '../../../src/kinds/pool/index.js';
import { viewPool } from '../../../src/kinds/pool/observe.js';
import type { PoolObserved, PoolSpec } from '../../../src/kinds/pool/spec.js';
import { ownerId } from '../../../src/kinds/shared/machines/key-store.js';
import { createFileStore } from '../../../src/store/index.js';
import { createMachineHook } from '../../../src/kinds/shared/machines/pool-hook.js';
import { TAG } from '../../../src/kinds/shared/machines/tags.js';
import type { InventoryEntry } from '../../../src/model/inventory.js';
import type { DiffOutcome } from '../../../src/model/plan.js';
import type { Resource } from '../../../src/model/resource.js';
import { runCli, spawnCli, waitFor, type RunningCli } from '../../harness/cli.js';
import { labDocker } from '../../harness/docker.js';
import { tempDir } from '../../harness/tmp.js';
import { createMachineWorld, res, type MachineWorld } from '../machine-set/fixture.js';

const suffix = randomBytes(3).toString('hex');
const docker = labDocker();
const poolKind = createPoolKind({ machines: createMachineHook() });
let w: MachineWorld;
const inventory: Record<string, InventoryEntry> = {};

const template = (name: string, hours: number) =>
  res<MachineTemplateSpec>('MachineTemplate', name, { provider: 'lab', quota: { hours }, init: [{ name: 'mark', run: 'touch /root/made-by-pool' }], waitTimeoutSeconds: 90 });

function poolOf(name: string, tpl: string, replicas: number): Resource<PoolSpec> {
  return res<PoolSpec>('Pool', name, {
    service: 'web',
    machines: { template: tpl },
    replicas,
    container: { image: process.env.DRIFTLESS_HOST_IMAGE ?? '', command: ['sleep', 'infinity'], network: 'bridge', restartPolicy: { condition: 'none' } },
  });
}

async function plan(pool: Resource<PoolSpec>, others: Resource[]): Promise<{ diff: DiffOutcome; observed: PoolObserved }> {
  const observed = (await poolKind.observe(pool, w.ctx([pool, ...others], inventory))) as PoolObserved;
  return { diff: poolKind.diff(pool, observed), observed };
}

async function converge(pool: Resource<PoolSpec>, others: Resource[]): Promise<DiffOutcome> {
  const { diff, observed } = await plan(pool, others);
  if (diff.action === 'noop') return diff;
  const key = `Pool/${pool.metadata.name}`;
  const task = { key, kind: 'Pool', name: pool.metadata.name, action: diff.action, wave: 0, changes: diff.changes, dependsOn: [], digest: 'd', desired: pool, observed };
  await poolKind.apply(task, w.ctx([pool, ...others], inventory));
  inventory[key] = { key, kind: 'Pool', name: pool.metadata.name, digest: 'd', revision: 'test', appliedAt: new Date().toISOString(), resource: pool };
  return diff;
}

/** Node containers of a pool: name, the machine it runs on (its lab hostname is `<machine>-<token>-1`), and its state. */
async function nodes(pool: string): Promise<{ name: string; host: string; state: string }[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`driftless.pool=${pool}`] } });
  const machineOf = (hostname: string): string => hostname.replace(/-[0-9a-f]{6}-\d+$/, '');
  return list
    .map((c) => ({ name: (c.Names[0] ?? '').slice(1), host: machineOf(c.Labels['driftless.host'] ?? ''), state: c.State }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Lab machines tagged with a pool (any owner). */
async function machinesOf(pool: string): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`driftless.machine.tag.${TAG.pool}=${pool}`] } });
  return list.map((c) => c.Labels[`driftless.machine.tag.${TAG.machine}`] ?? '').sort();
}

async function removeByLabel(label: string): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [label] } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
}

const pools = [`pm-${suffix}`, `pq-${suffix}`, `pc-${suffix}`];

beforeAll(async () => {
  w = await createMachineWorld();
});
afterAll(async () => {
  for (const p of pools) await removeByLabel(`driftless.pool=${p}`);
  for (const p of pools) await removeByLabel(`driftless.machine.tag.${TAG.pool}=${p}`);
  await w?.close();
});

describe('a pool on machines from a template', () => {
  const name = pools[0]!;
  const tpl = template(`pm-tpl-${suffix}`, 20);

  it('expands onto new, initialised machines; re-plans a no-op; shrink returns the emptied machine', { timeout: 180_000 }, async () => {
    const first = await converge(poolOf(name, tpl.metadata.name, 2), [tpl]);
    expect(first.changes.find((c) => c.path === 'machines.create')?.after).toEqual([`${name}-0`, `${name}-1`]);
    expect(await machinesOf(name)).toEqual([`${name}-0`, `${name}-1`]);
    const running = await nodes(name);
    expect(running).toEqual([
      { name: `${name}-0`, host: `${name}-0`, state: 'running' },
      { name: `${name}-1`, host: `${name}-1`, state: 'running' },
    ]);
    const again = await plan(poolOf(name, tpl.metadata.name, 2), [tpl]);
    expect(again.diff).toEqual({ action: 'noop', changes: [] });

    // Service discovery follows nodes on machines too: an upstream following the pool lists each machine's
    // address (the machine's own, and with addressOf: private what the machine itself answers to `hostname -I`).
    const upstream = (addressOf: 'host' | 'private') =>
      res<NginxUpstreamSpec>('NginxUpstream', `pm-up-${suffix}`, { group: 'g', pools: [{ pool: name, port: 8080, addressOf }] });
    const ctx = w.ctx([poolOf(name, tpl.metadata.name, 2), tpl], inventory);
    const view = await viewPool(poolOf(name, tpl.metadata.name, 2), ctx, memberHooks);
    const machineAddress = [`${name}-0`, `${name}-1`].map((m) => view.hosts.get(m)?.address);
    expect(machineAddress.every((a) => typeof a === 'string' && a.length > 0)).toBe(true);
    const byHost = await resolveMembers(upstream('host'), ctx, createMemberCache());
    expect(byHost.upstream.servers.map((s) => s.address).sort()).toEqual(machineAddress.map((a) => `${a}:8080`).sort());
    const ips = await Promise.all(
      (await docker.listContainers({ filters: { label: [`driftless.machine.tag.${TAG.pool}=${name}`] } })).map(async (c) => {
        const info = await docker.getContainer(c.Id).inspect();
        return Object.values(info.NetworkSettings.Networks).map((n) => n.IPAddress)[0];
      }),
    );
    const byPrivate = await resolveMembers(upstream('private'), ctx, createMemberCache());
    expect(byPrivate.upstream.servers.map((s) => s.address).sort()).toEqual(ips.map((ip) => `${ip}:8080`).sort());
    expect(again.observed.machines?.map((m) => m.state)).toEqual(['ready', 'ready']);
    expect(poolKind.health(again.observed).status).toBe('Healthy');

    const shrink = await converge(poolOf(name, tpl.metadata.name, 1), [tpl]);
    const returned = shrink.changes.find((c) => c.path === 'machines.return')?.before as string[];
    expect(returned).toHaveLength(1);
    const left = await nodes(name);
    expect(left).toHaveLength(1);
    expect(left[0]?.state).toBe('running');
    expect(left[0]?.host).toBe(left[0]?.name);
    expect(returned).not.toContain(left[0]?.host);
    expect(await machinesOf(name)).toEqual([left[0]?.host]);
    expect((await plan(poolOf(name, tpl.metadata.name, 1), [tpl])).diff.action).toBe('noop');
  });

  it('stops expanding at the quota with QuotaExceeded naming the template and its hours, and prunes its machines', { timeout: 180_000 }, async () => {
    const qname = pools[1]!;
    const small = template(`pq-tpl-${suffix}`, 1);
    const err = await converge(poolOf(qname, small.metadata.name, 2), [small]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReconcileError);
    expect((err as ReconcileError).reason).toBe('QuotaExceeded');
    expect((err as Error).message).toContain(`MachineTemplate/${small.metadata.name}`);
    expect((err as Error).message).toContain('0 of 1 machine-hours used');
    expect(await machinesOf(qname)).toEqual([`${qname}-0`]);
    expect(await nodes(qname)).toEqual([{ name: `${qname}-0`, host: `${qname}-0`, state: 'running' }]);

    const pool = poolOf(qname, small.metadata.name, 2);
    const key = `Pool/${qname}`;
    await poolKind.remove!({ key, kind: 'Pool', name: qname, digest: 'd', revision: 'test', appliedAt: '', resource: pool }, w.ctx([small], inventory));
    expect(await nodes(qname)).toEqual([]);
    expect(await machinesOf(qname)).toEqual([]);
  });
});

describe('a pool machine survives kill -9 between create and record', () => {
  const name = pools[2]!;
  let running: RunningCli | undefined;
  const repo = tempDir('dl-pool-machines-repo');
  const state = tempDir('dl-pool-machines-state');
  afterAll(async () => {
    running?.child.kill('SIGKILL');
    await removeByLabel(`driftless.machine.tag.${TAG.owner}=${await ownerId(createFileStore(state))}`);
  });

  it('adopts the machine made before the crash instead of making another', { timeout: 240_000 }, async () => {
    writeFileSync(join(repo, 'driftless.yaml'), 'apiVersion: driftless.dev/v1\nretry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 1000 }\nhealth: { timeoutSeconds: 60, intervalMs: 300 }\n');
    const write = (hours: number, replicas: number) => writeFileSync(
      join(repo, 'pool.yaml'),
      [
        'apiVersion: driftless.dev/v1\nkind: Cluster\nmetadata: { name: lab }\nspec: { description: lab }',
        'apiVersion: driftless.dev/v1\nkind: Service\nmetadata: { name: web }\nspec: { cluster: lab, description: web, serviceType: java }',
        `apiVersion: driftless.dev/v1\nkind: MachineTemplate\nmetadata: { name: pc-tpl }\nspec:\n  provider: lab\n  quota: { hours: ${hours} }\n  init: [{ name: mark, run: "echo once >> /root/init-runs" }]\n  waitTimeoutSeconds: 90`,
        `apiVersion: driftless.dev/v1\nkind: Pool\nmetadata: { name: ${name} }\nspec:\n  service: web\n  machines: { template: pc-tpl }\n  replicas: ${replicas}\n  container: { image: "${process.env.DRIFTLESS_HOST_IMAGE ?? ''}", command: [sleep, infinity], network: bridge }`,
      ].join('\n---\n') + '\n',
    );
    write(10, 1);
    const cli = spawnCli(['apply', repo, '--yes', '--state-dir', state]);
    running = cli;
    let exited = false;
    void cli.done.then(() => (exited = true));
    await waitFor('the pool machine to appear', async () => exited || (await machinesOf(name)).length > 0, 90_000, 50);
    cli.child.kill('SIGKILL');
    const first = await cli.done;
    expect(first.signal, cli.output()).toBe('SIGKILL');
    expect(await nodes(name)).toEqual([]);

    const apply = await runCli(['apply', repo, '--yes', '--state-dir', state]);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(await machinesOf(name)).toEqual([`${name}-0`]);
    expect(await nodes(name)).toEqual([{ name: `${name}-0`, host: `${name}-0`, state: 'running' }]);
    const again = await runCli(['plan', repo, '--state-dir', state]);
    expect(again.stdout, again.stderr).toContain('No changes.');

    write(1, 2);
    const over = await runCli(['apply', repo, '--yes', '--state-dir', state]);
    expect(over.code).not.toBe(0);
    expect(over.stdout + over.stderr).toContain('QuotaExceeded');
    expect(over.stdout + over.stderr).toContain('quota of MachineTemplate/pc-tpl exhausted: 1 of 1 machine-hours used');
    const status = await runCli(['status', '--state-dir', state]);
    expect(status.stdout).toMatch(new RegExp(`Pool/${name}\\s+Stalled.*quota of MachineTemplate/pc-tpl exhausted: 1 of 1 machine-hours used`));
    expect(await machinesOf(name)).toEqual([`${name}-0`]);
  });
});
