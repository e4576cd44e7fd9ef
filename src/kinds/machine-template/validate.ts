/**
 * Per-provider checks the schema cannot express, run at load time so nothing is called with a template the
 * provider would refuse (OpenDCP's template rules: data disks 0-4, sizes by category, bandwidth by charge type).
 */
import type { Problem } from '../../model/plan.js';
import type { Resource } from '../../model/resource.js';
import { problemAt } from '../shared/problem.js';
import type { MachineTemplateSpec } from './spec.js';

/** Data disk sizes in GiB allowed per category (Aliyun). */
export const DATA_DISK_RANGES: Record<string, [number, number]> = {
  cloud: [5, 2000],
  cloud_efficiency: [20, 32768],
  cloud_ssd: [20, 32768],
  ephemeral_ssd: [5, 800],
};

export function templateProblems(spec: MachineTemplateSpec): string[] {
  const out: string[] = [];
  (spec.dataDisks ?? []).forEach((d, i) => {
    const range = DATA_DISK_RANGES[d.category];
    if (range && (d.sizeGiB < range[0] || d.sizeGiB > range[1])) {
      out.push(`dataDisks[${i}].sizeGiB ${d.sizeGiB} is outside ${range[0]}-${range[1]} GiB for ${d.category}`);
    }
  });
  if (spec.provider === 'aliyun') out.push(...aliyunProblems(spec));
  if (spec.provider === 'lab') {
    if (spec.account) out.push('account is not used by the lab provider; remove it');
    if (spec.network?.type === 'classic') out.push('the lab provider has no classic network; use type vpc or leave network out');
  }
  return out;
}

function aliyunProblems(spec: MachineTemplateSpec): string[] {
  const out: string[] = [];
  const required: Array<[string, unknown]> = [
    ['account', spec.account],
    ['region', spec.region],
    ['zone', spec.zone],
    ['instanceType', spec.instanceType],
    ['image', spec.image],
    ['network', spec.network],
    ['network.securityGroupId', spec.network?.securityGroupId],
  ];
  for (const [name, value] of required) if (value === undefined) out.push(`${name} is required for provider aliyun`);
  if (spec.region && spec.zone && !spec.zone.startsWith(spec.region)) out.push(`zone ${spec.zone} is not in region ${spec.region}`);
  const net = spec.network;
  if (net?.type === 'vpc') {
    if (!net.vpcId) out.push('network.vpcId is required on a vpc network');
    if (!net.vswitchId) out.push('network.vswitchId is required on a vpc network');
  }
  if (net?.type === 'classic') {
    if (net.vpcId || net.vswitchId) out.push('network.vpcId and vswitchId apply to vpc networks only');
    if (!net.internetChargeType) out.push('network.internetChargeType is required on a classic network');
  }
  if (net?.internetChargeType === 'PayByTraffic' && (net.internetMaxBandwidthOut ?? 0) < 1) {
    out.push('network.internetMaxBandwidthOut must be 1-100 with PayByTraffic');
  }
  if (spec.ssh?.address === 'public' && net?.type === 'vpc') out.push('ssh.address public needs a classic network (vpc machines get no public ip here)');
  return out;
}

export function validateTemplate(res: Resource<MachineTemplateSpec>): Problem[] {
  return templateProblems(res.spec).map((m) => problemAt(res, m));
}
