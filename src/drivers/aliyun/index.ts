/**
 * The Aliyun ECS provider (the seed's ProviderDriver over pop-core, made idempotent): every machine is created
 * with CreateInstance carrying a ClientToken and our tags, and reached with a key pair imported under a name tied
 * to that token, so a retried create returns the same instance and a crashed one is found by DescribeInstances.
 */
import { StalledError } from '../../errors.js';
import { SSH_PORT_TAG, type CreateInstanceInput, type InstanceState, type ProviderAccount, type ProviderDriver, type ProviderInstance } from '../types.js';
import { aliyunCode, createAliyunClient, type AliyunClient, type AliyunClientOptions } from './client.js';
import { createParams, type EcsInstance } from './params.js';

export { DEFAULT_ECS_ENDPOINT } from '../types.js';
import { DEFAULT_ECS_ENDPOINT } from '../types.js';

export function createAliyunProvider(account: ProviderAccount, tuning: Partial<AliyunClientOptions> = {}): ProviderDriver {
  if (!account.accessKeyId || !account.accessKeySecret) throw new StalledError('SecretUnavailable', 'aliyun provider needs an access key id and secret');
  if (!account.region) throw new StalledError('ReferenceInvalid', 'aliyun provider needs a region');
  const region = account.region;
  const client: AliyunClient = createAliyunClient({
    endpoint: account.endpoint ?? DEFAULT_ECS_ENDPOINT,
    accessKeyId: account.accessKeyId,
    accessKeySecret: account.accessKeySecret,
    ...tuning,
  });

  async function describeMany(params: Record<string, unknown>): Promise<ProviderInstance[]> {
    const out: ProviderInstance[] = [];
    for (let page = 1; page <= 100; page++) {
      const r = await client.call<{ TotalCount?: number; Instances?: { Instance?: EcsInstance[] } }>('DescribeInstances', {
        RegionId: region,
        PageSize: 100,
        PageNumber: page,
        ...params,
      });
      const list = r.Instances?.Instance ?? [];
      out.push(...list.map(toInstance));
      if (list.length === 0 || out.length >= (r.TotalCount ?? 0)) break;
    }
    return out;
  }

  return {
    provider: 'aliyun',
    async create(input: CreateInstanceInput) {
      const keyPairName = keyPairNameOf(input.name, input.clientToken);
      try {
        await client.call('ImportKeyPair', { RegionId: region, KeyPairName: keyPairName, PublicKeyBody: input.publicKey });
      } catch (err) {
        if (aliyunCode(err) !== 'KeyPair.AlreadyExist') throw err;
      }
      const r = await client.call<{ InstanceId: string }>('CreateInstance', createParams(region, input, keyPairName));
      return r.InstanceId;
    },
    async describe(id) {
      const [inst] = await describeMany({ InstanceIds: JSON.stringify([id]) });
      return inst;
    },
    async list(tags) {
      const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
      const found = await describeMany({ Tag: list });
      // Filter again: a provider that ignored a tag filter must never make us adopt someone else's machine.
      return found.filter((i) => Object.entries(tags).every(([k, v]) => i.tags[k] === v));
    },
    async allocatePublicIp(id) {
      const r = await client.call<{ IpAddress: string }>('AllocatePublicIpAddress', { InstanceId: id });
      return r.IpAddress;
    },
    async start(id) {
      await client.call('StartInstance', { InstanceId: id });
    },
    async stop(id) {
      await client.call('StopInstance', { InstanceId: id, ForceStop: 'false' });
    },
    async delete(id) {
      const inst = await client.call<{ Instances?: { Instance?: EcsInstance[] } }>('DescribeInstances', { RegionId: region, InstanceIds: JSON.stringify([id]) });
      const keyPair = inst.Instances?.Instance?.[0]?.KeyPairName;
      try {
        await client.call('DeleteInstance', { InstanceId: id });
      } catch (err) {
        if (aliyunCode(err) !== 'InvalidInstanceId.NotFound') throw err;
      }
      if (keyPair) await client.call('DeleteKeyPairs', { RegionId: region, KeyPairNames: JSON.stringify([keyPair]) });
    },
  };
}

/** Key pair names start with a letter and are unique per machine generation (the token changes after a delete). */
export function keyPairNameOf(machine: string, token: string): string {
  return `driftless-${machine}-${token.slice(0, 10)}`;
}

const STATES: Record<string, InstanceState> = { Pending: 'pending', Stopped: 'stopped', Starting: 'starting', Running: 'running', Stopping: 'stopping' };

export function toInstance(i: EcsInstance): ProviderInstance {
  const tags: Record<string, string> = {};
  for (const t of i.Tags?.Tag ?? []) tags[t.TagKey] = t.TagValue;
  const privateIp = i.VpcAttributes?.PrivateIpAddress?.IpAddress?.[0] ?? i.InnerIpAddress?.IpAddress?.[0];
  const publicIp = i.PublicIpAddress?.IpAddress?.[0] ?? i.EipAddress?.IpAddress;
  const port = Number(tags[SSH_PORT_TAG]);
  return {
    id: i.InstanceId,
    name: i.InstanceName ?? i.InstanceId,
    state: STATES[i.Status] ?? 'unknown',
    rawState: i.Status,
    tags,
    ...(privateIp ? { privateIp } : {}),
    ...(publicIp ? { publicIp } : {}),
    ...(Number.isInteger(port) && port > 0 ? { sshPort: port } : {}),
    ...(i.InstanceNetworkType === 'classic' || i.InstanceNetworkType === 'vpc' ? { networkType: i.InstanceNetworkType } : {}),
    createdAt: new Date(Date.parse(i.CreationTime) || Date.now()).toISOString(),
  };
}
