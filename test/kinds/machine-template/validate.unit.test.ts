/** Per-provider template rules and quota arithmetic, as tables (pure). */
import { describe, expect, it } from 'vitest';
import { templateHealth } from '../../../src/kinds/machine-template/index.js';
import type { MachineTemplateSpec } from '../../../src/kinds/machine-template/spec.js';
import { templateProblems } from '../../../src/kinds/machine-template/validate.js';
import { admitted, billedHours, quotaUsage } from '../../../src/kinds/shared/machines/quota.js';

const aliyun: MachineTemplateSpec = {
  provider: 'aliyun',
  account: { accessKeyId: { secret: 'ak' }, accessKeySecret: { secret: 'sk' } },
  region: 'cn-beijing',
  zone: 'cn-beijing-c',
  network: { type: 'vpc', vpcId: 'vpc-1', vswitchId: 'vsw-1', securityGroupId: 'sg-1' },
  instanceType: 'ecs.n1.small',
  image: 'img',
  quota: { hours: 10 },
};

describe('MachineTemplate validation', () => {
  const cases: Array<{ name: string; spec: MachineTemplateSpec; problems: string[] }> = [
    { name: 'a complete vpc template', spec: aliyun, problems: [] },
    { name: 'a lab template needs nothing cloud-specific', spec: { provider: 'lab', quota: { hours: 1 } }, problems: [] },
    {
      name: 'aliyun without account, zone and security group',
      spec: { ...aliyun, account: undefined, zone: undefined, network: { type: 'vpc', vpcId: 'v', vswitchId: 's' } } as MachineTemplateSpec,
      problems: ['account is required for provider aliyun', 'zone is required for provider aliyun', 'network.securityGroupId is required for provider aliyun'],
    },
    { name: 'zone outside the region', spec: { ...aliyun, zone: 'cn-hangzhou-b' }, problems: ['zone cn-hangzhou-b is not in region cn-beijing'] },
    {
      name: 'vpc without vswitch',
      spec: { ...aliyun, network: { type: 'vpc', vpcId: 'v', securityGroupId: 'sg' } },
      problems: ['network.vswitchId is required on a vpc network'],
    },
    {
      name: 'classic needs a charge type, PayByTraffic needs bandwidth 1-100',
      spec: { ...aliyun, network: { type: 'classic', securityGroupId: 'sg', internetChargeType: 'PayByTraffic', internetMaxBandwidthOut: 0 } },
      problems: ['network.internetMaxBandwidthOut must be 1-100 with PayByTraffic'],
    },
    {
      name: 'data disk sizes by category (seed ranges)',
      spec: { ...aliyun, dataDisks: [{ category: 'cloud', sizeGiB: 2001 }, { category: 'cloud_ssd', sizeGiB: 10 }, { category: 'ephemeral_ssd', sizeGiB: 800 }] },
      problems: ['dataDisks[0].sizeGiB 2001 is outside 5-2000 GiB for cloud', 'dataDisks[1].sizeGiB 10 is outside 20-32768 GiB for cloud_ssd'],
    },
    { name: 'lab refuses an account', spec: { provider: 'lab', quota: { hours: 1 }, account: aliyun.account }, problems: ['account is not used by the lab provider; remove it'] },
  ];
  it.each(cases)('$name', ({ spec, problems }) => {
    expect(templateProblems(spec)).toEqual(problems);
  });
});

describe('quota hours', () => {
  const t0 = Date.parse('2024-03-01T23:30:00Z');
  it.each([
    ['a machine deleted after 10 minutes is billed one hour', 10 * 60_000, 1],
    ['exactly one hour is one hour', 3_600_000, 1],
    ['across midnight counts real hours (jupiter used the hour of the day)', 2 * 3_600_000 + 1, 3],
    ['across days', 49 * 3_600_000, 49],
  ])('%s', (_n, elapsed, hours) => {
    expect(billedHours(new Date(t0).toISOString(), t0 + elapsed)).toBe(hours);
  });

  it('counts deleted and live machines, and admits only what fits unless overdraft is allowed', () => {
    const usage = quotaUsage({
      closed: [{ id: 'a', machine: 'm-0', start: '', end: '', hours: 3 }],
      live: [{ id: 'a', createdAt: new Date(t0).toISOString() }, { id: 'b', createdAt: new Date(t0 - 90 * 60_000).toISOString() }],
      quotaHours: 6,
      nowMs: t0,
    });
    expect(usage).toMatchObject({ usedHours: 5, liveMachines: 1, deletedMachines: 1 });
    expect(admitted(usage, 3)).toBe(1);
    expect(admitted({ ...usage, usedHours: 7 }, 3)).toBe(0);
    expect(admitted({ ...usage, usedHours: 7, allowOverdraft: true }, 3)).toBe(3);
    expect(templateHealth({ appliedDigest: 'd', usage, orphans: [{ id: 'x', name: 'old-0', owner: 'MachineSet/old' }] }).message).toBe(
      '5 of 6 machine-hours used (1 live, 1 deleted); 1 orphan machine(s): old-0 (MachineSet/old)',
    );
  });
});
