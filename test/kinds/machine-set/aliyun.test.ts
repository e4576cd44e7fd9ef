/**
 * A MachineSet on the Aliyun ECS driver against the emulator (signatures verified, throttling on, each instance a
 * real sshd container): the classic-network flow of the seed (create -> Stopped -> public IP -> start -> Running
 * -> init over SSH), client-token idempotency, and stop-then-delete on scale down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAliyunProvider } from '../../../src/drivers/aliyun/index.js';
import type { MachineSetSpec } from '../../../src/kinds/machine-set/spec.js';
import type { MachineTemplateSpec } from '../../../src/kinds/machine-template/spec.js';
import { startEcsEmulator, type EcsEmulator } from '../../harness/aliyun-ecs.js';
import { labDocker } from '../../harness/docker.js';
import { createMachineWorld, res, type MachineWorld } from './fixture.js';

const KEY = { id: 'ak-machines', secret: 'sk-machines' };
let ecs: EcsEmulator;
let w: MachineWorld;

const template = () =>
  res<MachineTemplateSpec>('MachineTemplate', 'ecs-small', {
    provider: 'aliyun',
    account: { accessKeyId: { secret: 'aliyun-ak' }, accessKeySecret: { secret: 'aliyun-sk' }, endpoint: ecs.endpoint },
    region: 'cn-beijing',
    zone: 'cn-beijing-c',
    network: { type: 'classic', securityGroupId: 'sg-1', internetChargeType: 'PayByTraffic', internetMaxBandwidthOut: 10 },
    instanceType: 'ecs.n1.small',
    image: 'ubuntu_22_04_x64',
    systemDisk: { category: 'cloud_efficiency' },
    dataDisks: [{ category: 'cloud_ssd', sizeGiB: 40 }],
    quota: { hours: 100 },
    init: [{ name: 'docker', run: 'mkdir -p /etc/docker && echo ok > /etc/docker/installed-by-init' }],
    waitTimeoutSeconds: 60,
  });
const set = (count: number) => res<MachineSetSpec>('MachineSet', 'api', { template: 'ecs-small', count });

beforeAll(async () => {
  ecs = await startEcsEmulator({ accessKeyId: KEY.id, accessKeySecret: KEY.secret, docker: labDocker(), image: process.env.DRIFTLESS_HOST_IMAGE ?? '', throttleEvery: 7 });
  const allow = { urls: [ecs.endpoint] };
  w = await createMachineWorld({ 'aliyun-ak': { value: KEY.id, allow }, 'aliyun-sk': { value: KEY.secret, allow } });
});
afterAll(async () => {
  await w?.close();
  await ecs?.close();
});

describe('MachineSet on Aliyun ECS (emulated)', () => {
  it('creates classic machines through the seed flow and initialises them over SSH', async () => {
    const { observed } = await w.converge(set(2), [template()]);
    expect(observed.machines.map((m) => [m.name, m.state])).toEqual([['api-0', 'ready'], ['api-1', 'ready']]);
    const actions = ecs.log.filter((l) => !l.code).map((l) => l.action);
    expect(actions.filter((a) => a === 'CreateInstance')).toHaveLength(2);
    expect(actions.filter((a) => a === 'AllocatePublicIpAddress')).toHaveLength(2);
    expect(actions.filter((a) => a === 'StartInstance')).toHaveLength(2);
    expect(ecs.log.some((l) => l.code === 'Throttling')).toBe(true);
    const inst = [...ecs.state.instances.values()];
    expect(inst.map((i) => i.Status)).toEqual(['Running', 'Running']);
    expect(inst[0]!.tags.map((t) => t.TagKey)).toEqual(expect.arrayContaining(['driftless:owner', 'driftless:template', 'driftless:set', 'driftless:machine']));
    const host = await inst[0]!.host;
    expect((await host!.exec('cat /etc/docker/installed-by-init')).stdout.trim()).toBe('ok');
  });

  it('returns the same instance for a repeated client token', async () => {
    const driver = createAliyunProvider({ provider: 'aliyun', region: 'cn-beijing', accessKeyId: KEY.id, accessKeySecret: KEY.secret, endpoint: ecs.endpoint }, { baseDelayMs: 5 });
    const input = { clientToken: 'token-twice', name: 'twice', publicKey: 'ssh-ed25519 AAAA test', tags: { 'driftless:owner': 'other' }, spec: template().spec };
    const a = await driver.create(input);
    const b = await driver.create(input);
    expect(b).toBe(a);
    expect((await driver.list({ 'driftless:owner': 'other' })).map((i) => i.id)).toEqual([a]);
    const { stopAndDelete } = await import('../../../src/kinds/shared/machines/lifecycle.js');
    await stopAndDelete(driver, a, { timeoutMs: 60_000, intervalMs: 200 });
    expect(await driver.describe(a)).toBeUndefined();
  });

  it('scales down with stop then delete, and the key pair goes with the instance', async () => {
    const { observed } = await w.converge(set(1), [template()]);
    expect(observed.machines.map((m) => m.name)).toEqual(['api-0']);
    expect(ecs.state.instances.size).toBe(1);
    const deleted = ecs.log.filter((l) => !l.code).map((l) => l.action);
    expect(deleted.indexOf('StopInstance')).toBeLessThan(deleted.lastIndexOf('DeleteInstance'));
    expect([...ecs.state.keyPairs.keys()].filter((k) => k.startsWith('driftless-api-1'))).toEqual([]);
  });
});
