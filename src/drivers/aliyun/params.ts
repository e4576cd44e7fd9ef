/** ECS wire shapes: the CreateInstance parameters from a template, and the instance as DescribeInstances returns it. */
import type { CreateInstanceInput } from '../types.js';

export interface EcsInstance {
  InstanceId: string;
  InstanceName?: string;
  Status: string;
  CreationTime: string;
  InstanceNetworkType?: string;
  KeyPairName?: string;
  Tags?: { Tag?: Array<{ TagKey: string; TagValue: string }> };
  PublicIpAddress?: { IpAddress?: string[] };
  InnerIpAddress?: { IpAddress?: string[] };
  EipAddress?: { IpAddress?: string };
  VpcAttributes?: { VpcId?: string; VSwitchId?: string; PrivateIpAddress?: { IpAddress?: string[] } };
}

export function createParams(region: string, input: CreateInstanceInput, keyPairName: string): Record<string, unknown> {
  const s = input.spec;
  const net = s.network;
  const p: Record<string, unknown> = {
    RegionId: region,
    ZoneId: s.zone,
    ImageId: s.image,
    InstanceType: s.instanceType,
    SecurityGroupId: net?.securityGroupId,
    InstanceName: input.name,
    // Resource names may hold '_' (OpenDCP names); a Linux host name may not.
    HostName: input.name.replace(/_/g, '-'),
    ClientToken: input.clientToken,
    KeyPairName: keyPairName,
    Tag: Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value })),
  };
  if (s.systemDisk) {
    p['SystemDisk.Category'] = s.systemDisk.category;
    if (s.systemDisk.sizeGiB) p['SystemDisk.Size'] = s.systemDisk.sizeGiB;
  }
  if (s.dataDisks && s.dataDisks.length > 0) p.DataDisk = s.dataDisks.map((d) => ({ Size: d.sizeGiB, Category: d.category }));
  if (net?.type === 'vpc') p.VSwitchId = net.vswitchId;
  if (net?.internetChargeType) p.InternetChargeType = net.internetChargeType;
  if (net?.internetMaxBandwidthOut !== undefined) p.InternetMaxBandwidthOut = net.internetMaxBandwidthOut;
  for (const k of Object.keys(p)) if (p[k] === undefined) delete p[k];
  return p;
}
