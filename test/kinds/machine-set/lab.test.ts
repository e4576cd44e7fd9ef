/**
 * A MachineSet on the Docker lab provider, against the real engine and real sshd: machines are created with their
 * own keys, initialised over SSH, reachable as hosts with facts; scaling down deletes the newest and bills its
 * hours; a quota that is used up refuses expansion with a clear, stalled status.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StalledError } from '../../../src/errors.js';
import type { MachineSetSpec } from '../../../src/kinds/machine-set/spec.js';
import type { MachineTemplateSpec } from '../../../src/kinds/machine-template/spec.js';
import { readMachineKey } from '../../../src/kinds/shared/machines/key-store.js';
import { readLedger } from '../../../src/kinds/shared/machines/quota.js';
import { resolveHosts } from '../../../src/kinds/shared/hosts.js';
import { machineSetKind } from '../../../src/kinds/machine-set/index.js';
import type { InventoryEntry } from '../../../src/model/inventory.js';
import { createMachineWorld, res, type MachineWorld } from './fixture.js';

let w: MachineWorld;
const template = (hours: number) =>
  res<MachineTemplateSpec>('MachineTemplate', 'small', {
    provider: 'lab',
    quota: { hours, allowOverdraft: false },
    init: [{ name: 'marker', run: 'echo initialised > /root/machine-init' }],
    initTimeoutSeconds: 60,
    initRetries: 1,
    waitTimeoutSeconds: 60,
  });
const set = (count: number) => res<MachineSetSpec>('MachineSet', 'web', { template: 'small', count, hostLabels: { role: 'web' } });

beforeAll(async () => {
  w = await createMachineWorld();
});
afterAll(async () => {
  await w?.close();
});

describe('MachineSet on the lab provider', () => {
  it('creates, initialises and exposes machines as hosts with facts', async () => {
    const { diff, observed } = await w.converge(set(2), [template(10)]);
    expect(diff.action).toBe('create');
    expect(diff.changes).toContainEqual({ path: 'machines.create', after: ['web-0', 'web-1'] });
    expect(observed.machines.map((m) => [m.name, m.state])).toEqual([['web-0', 'ready'], ['web-1', 'ready']]);
    expect(observed.machines[0]!.facts?.cpus).toBeGreaterThan(0);
    expect(await w.labContainers()).toHaveLength(2);
    const key = await readMachineKey(w.store, 'set-web', 'web-0');
    expect(key?.privateKey).toContain('PRIVATE KEY');
    expect(statSync(join(w.stateDir, 'machines/keys/set-web/web-0/id_ed25519')).mode & 0o777).toBe(0o600);
    const hosts = await resolveHosts({ selector: { role: 'web' } }, w.ctx([set(2), template(10)]));
    expect(hosts.map((h) => h.name)).toEqual(['web-0', 'web-1']);
    const ctx = w.ctx([set(2), template(10)]);
    const r = await ctx.drivers.ssh.exec(hosts[0]!.target, 'cat /root/machine-init');
    expect(r.stdout.trim()).toBe('initialised');
    const again = await w.converge(set(2), [template(10)]);
    expect(again.diff.action).toBe('noop');
  });

  it('scales down by deleting the newest machine and bills its hours', async () => {
    const { diff, observed } = await w.converge(set(1), [template(10)]);
    expect(diff.changes).toContainEqual({ path: 'machines.delete', before: ['web-1'] });
    expect(observed.machines.map((m) => m.name)).toEqual(['web-0']);
    expect(await w.labContainers()).toHaveLength(1);
    expect((await readLedger(w.store, 'small')).map((c) => [c.machine, c.hours])).toEqual([['web-1', 1]]);
    expect(await readMachineKey(w.store, 'set-web', 'web-1')).toBeUndefined();
  });

  it('refuses expansion past the quota with a stalled QuotaExceeded status', async () => {
    const observed = await w.observe(set(3), [template(2)]);
    expect(observed.usage).toMatchObject({ usedHours: 2, quotaHours: 2, liveMachines: 1, deletedMachines: 1 });
    const err = await w.converge(set(3), [template(2)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StalledError);
    expect((err as StalledError).reason).toBe('QuotaExceeded');
    expect((err as Error).message).toMatch(/quota of MachineTemplate\/small exhausted: 2 of 2 machine-hours used.*2 machine\(s\) not created \(web-1, web-2\)/);
    expect(await w.labContainers()).toHaveLength(1);
    const withOverdraft = res<MachineTemplateSpec>('MachineTemplate', 'small', { ...template(2).spec, quota: { hours: 2, allowOverdraft: true } });
    const { observed: grown } = await w.converge(set(2), [withOverdraft]);
    expect(grown.machines.map((m) => m.state)).toEqual(['ready', 'ready']);
  });

  it('prunes a removed set only when it carried the explicit mark', async () => {
    const entry = (annotations?: Record<string, string>): InventoryEntry => {
      const r = res<MachineSetSpec>('MachineSet', 'web', { template: 'small', count: 2 }, annotations);
      return { key: 'MachineSet/web', kind: 'MachineSet', name: 'web', digest: 'd', revision: 'r', appliedAt: '', resource: r };
    };
    const ctx = w.ctx([template(10)]);
    const refused = await machineSetKind.remove!(entry(), ctx).catch((e: unknown) => e);
    expect((refused as StalledError).reason).toBe('PruneDisabled');
    expect(await w.labContainers()).toHaveLength(2);
    await machineSetKind.remove!(entry({ 'driftless.dev/prune': 'true' }), ctx);
    expect(await w.labContainers()).toHaveLength(0);
  });
});
