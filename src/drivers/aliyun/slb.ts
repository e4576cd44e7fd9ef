/**
 * Aliyun SLB (RPC API 2014-05-15) over the shared pop-core client: every call signed, throttling and 5xx retried
 * and then surfaced as TransientErrors. A load balancer is created with a ClientToken and tagged, so a retried
 * create returns the same instance and a crash between create and record is adopted by name or tag.
 */
import { StalledError } from '../../errors.js';
import type { ProviderAccount, SlbBackend, SlbDriver, SlbInstanceSpec, SlbProtocol, SlbRegistry, SlbState } from '../types.js';
import { aliyunCode, createAliyunClient, SLB_API_VERSION, type AliyunClient, type AliyunClientOptions } from './client.js';
import { listenerFrom, listenerParams, PROTOCOL_WORD, stateFrom, type LbAttribute } from './slb-params.js';

export { DEFAULT_SLB_ENDPOINT } from '../types.js';
import { DEFAULT_SLB_ENDPOINT } from '../types.js';

const tagJson = (tags: Record<string, string>): string => JSON.stringify(Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })));
const NOT_FOUND = /^InvalidLoadBalancerId\.NotFound$/;

export function createSlbDriver(account: ProviderAccount, tuning: Partial<AliyunClientOptions> = {}): SlbDriver {
  if (!account.accessKeyId || !account.accessKeySecret) throw new StalledError('SecretUnavailable', 'aliyun slb needs an access key id and secret');
  if (!account.region) throw new StalledError('ReferenceInvalid', 'aliyun slb needs a region');
  const region = account.region;
  const client: AliyunClient = createAliyunClient({
    endpoint: account.endpoint ?? DEFAULT_SLB_ENDPOINT,
    apiVersion: SLB_API_VERSION,
    accessKeyId: account.accessKeyId,
    accessKeySecret: account.accessKeySecret,
    ...tuning,
  });

  async function describe(id: string): Promise<SlbState | undefined> {
    let a: LbAttribute;
    try {
      a = await client.call<LbAttribute>('DescribeLoadBalancerAttribute', { RegionId: region, LoadBalancerId: id });
    } catch (err) {
      if (NOT_FOUND.test(aliyunCode(err) ?? '')) return undefined;
      throw err;
    }
    const t = await client.call<{ TagSets?: { TagSet?: Array<{ TagKey: string; TagValue: string }> } }>('DescribeTags', { RegionId: region, LoadBalancerId: id });
    const tags = Object.fromEntries((t.TagSets?.TagSet ?? []).map((x) => [x.TagKey, x.TagValue]));
    const listeners = await Promise.all(
      (a.ListenerPortsAndProtocol?.ListenerPortAndProtocol ?? []).map(async ({ ListenerPort, ListenerProtocol }) => {
        const protocol = ListenerProtocol.toLowerCase() as SlbProtocol;
        const attr = await client.call(`DescribeLoadBalancer${PROTOCOL_WORD[protocol]}ListenerAttribute`, { RegionId: region, LoadBalancerId: id, ListenerPort });
        return listenerFrom(protocol, attr);
      }),
    );
    return stateFrom(a, tags, listeners);
  }

  async function ids(params: Record<string, unknown>): Promise<string[]> {
    const r = await client.call<{ LoadBalancers?: { LoadBalancer?: Array<{ LoadBalancerId: string }> } }>('DescribeLoadBalancers', { RegionId: region, ...params });
    return (r.LoadBalancers?.LoadBalancer ?? []).map((l) => l.LoadBalancerId);
  }

  const backendJson = (b: SlbBackend[]): string => JSON.stringify(b.map((x) => ({ ServerId: x.instanceId, Weight: String(x.weight) })));

  return {
    async find(name, tags) {
      let found = await ids({ LoadBalancerName: name });
      if (found.length === 0 && Object.keys(tags).length > 0) found = await ids({ Tags: tagJson(tags) });
      const states = await Promise.all(found.map(describe));
      // Filter again: an API that ignored a filter must never make us adopt someone else's load balancer.
      return states.filter((s): s is SlbState => s !== undefined && (s.name === name || Object.entries(tags).every(([k, v]) => s.tags[k] === v)));
    },
    describe,
    async create(spec: SlbInstanceSpec, clientToken, tags) {
      const p: Record<string, unknown> = {
        RegionId: region,
        LoadBalancerName: spec.name,
        AddressType: spec.addressType,
        InternetChargeType: spec.internetChargeType,
        ClientToken: clientToken,
      };
      if (spec.bandwidth !== undefined) p.Bandwidth = spec.bandwidth;
      if (spec.spec) p.LoadBalancerSpec = spec.spec;
      if (spec.networkType === 'vpc') Object.assign(p, { VpcId: spec.vpcId, VSwitchId: spec.vswitchId });
      const r = await client.call<{ LoadBalancerId: string }>('CreateLoadBalancer', p);
      if (Object.keys(tags).length > 0) await client.call('AddTags', { RegionId: region, LoadBalancerId: r.LoadBalancerId, Tags: tagJson(tags) });
      return r.LoadBalancerId;
    },
    async addTags(id, tags) {
      await client.call('AddTags', { RegionId: region, LoadBalancerId: id, Tags: tagJson(tags) });
    },
    async modifyInternetSpec(id, chargeType, bandwidth) {
      await client.call('ModifyLoadBalancerInternetSpec', { RegionId: region, LoadBalancerId: id, InternetChargeType: chargeType, ...(bandwidth !== undefined ? { Bandwidth: bandwidth } : {}) });
    },
    async modifyInstanceSpec(id, spec) {
      await client.call('ModifyLoadBalancerInstanceSpec', { RegionId: region, LoadBalancerId: id, LoadBalancerSpec: spec });
    },
    async createListener(id, l) {
      await client.call(`CreateLoadBalancer${PROTOCOL_WORD[l.protocol]}Listener`, { RegionId: region, ...listenerParams(id, l) });
    },
    async updateListener(id, l) {
      const { BackendServerPort: _fixed, ...params } = listenerParams(id, l);
      await client.call(`SetLoadBalancer${PROTOCOL_WORD[l.protocol]}ListenerAttribute`, { RegionId: region, ...params });
    },
    async startListener(id, port, protocol) {
      await client.call('StartLoadBalancerListener', { RegionId: region, LoadBalancerId: id, ListenerPort: port, ListenerProtocol: protocol });
    },
    async deleteListener(id, port, protocol) {
      await client.call('DeleteLoadBalancerListener', { RegionId: region, LoadBalancerId: id, ListenerPort: port, ListenerProtocol: protocol });
    },
    async addBackends(id, b) {
      await client.call('AddBackendServers', { RegionId: region, LoadBalancerId: id, BackendServers: backendJson(b) });
    },
    async removeBackends(id, instanceIds) {
      await client.call('RemoveBackendServers', { RegionId: region, LoadBalancerId: id, BackendServers: JSON.stringify(instanceIds.map((ServerId) => ({ ServerId }))) });
    },
    async setBackends(id, b) {
      await client.call('SetBackendServers', { RegionId: region, LoadBalancerId: id, BackendServers: backendJson(b) });
    },
    async delete(id) {
      try {
        await client.call('DeleteLoadBalancer', { RegionId: region, LoadBalancerId: id });
      } catch (err) {
        if (!NOT_FOUND.test(aliyunCode(err) ?? '')) throw err;
      }
    },
  };
}

/** One driver per account and region, made on first use. */
export function createSlbRegistry(tuning: Partial<AliyunClientOptions> = {}): SlbRegistry {
  const drivers = new Map<string, SlbDriver>();
  return {
    get(account) {
      const key = JSON.stringify([account.region, account.endpoint, account.accessKeyId, account.accessKeySecret]);
      let d = drivers.get(key);
      if (!d) drivers.set(key, (d = createSlbDriver(account, tuning)));
      return d;
    },
  };
}
