/**
 * The SLB actions the emulator answers, over an in-memory state, with SLB's parameter rules and error codes
 * where tests depend on them: a listener port is unique per load balancer, Set*ListenerAttribute needs the
 * listener with that protocol, SetBackendServers only changes weights of existing backends.
 */
import { AliyunError } from './aliyun-rpc-server.js';
import { randomBytes } from 'node:crypto';

/** An SLB API error (status + Aliyun code), answered in Aliyun's error shape by the shared RPC server. */
export class SlbError extends AliyunError {}

export interface SlbListenerRecord {
  protocol: 'http' | 'https' | 'tcp' | 'udp';
  attrs: Record<string, string>;
  Status: 'running' | 'stopped';
}

export interface SlbRecord {
  LoadBalancerId: string;
  LoadBalancerName: string;
  RegionId: string;
  AddressType: 'internet' | 'intranet';
  NetworkType: 'classic' | 'vpc';
  VpcId?: string;
  VSwitchId?: string;
  LoadBalancerSpec?: string;
  Bandwidth?: number;
  InternetChargeType: string;
  Address: string;
  CreateTime: string;
  tags: Map<string, string>;
  listeners: Map<number, SlbListenerRecord>;
  backends: Map<string, number>;
}

export interface SlbEmulatorState {
  balancers: Map<string, SlbRecord>;
  tokens: Map<string, string>;
}

type Action = (p: Record<string, string>) => object;
const COMMON = new Set(['Action', 'Format', 'Version', 'AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'RegionId', 'LoadBalancerId', 'ClientToken']);
const PROTOCOLS = { HTTP: 'http', HTTPS: 'https', TCP: 'tcp', UDP: 'udp' } as const;

export function createSlbActions(state: SlbEmulatorState): Record<string, Action> & { seed(r: Partial<SlbRecord> & { LoadBalancerName: string }): SlbRecord } {
  const need = (p: Record<string, string>, k: string): string => {
    const v = p[k];
    if (!v) throw new SlbError(400, `Missing${k}`, `${k} is mandatory for this action.`);
    return v;
  };
  const get = (p: Record<string, string>): SlbRecord => {
    const lb = state.balancers.get(need(p, 'LoadBalancerId'));
    if (!lb) throw new SlbError(404, 'InvalidLoadBalancerId.NotFound', 'The specified LoadBalancerId does not exist.');
    return lb;
  };
  const json = <T>(p: Record<string, string>, k: string): T => {
    try {
      return JSON.parse(need(p, k)) as T;
    } catch {
      throw new SlbError(400, `InvalidParameter`, `${k} is not valid JSON.`);
    }
  };
  const make = (r: Partial<SlbRecord> & { LoadBalancerName: string }): SlbRecord => {
    const rec: SlbRecord = {
      LoadBalancerId: `lb-${randomBytes(9).toString('hex')}`,
      RegionId: 'cn-beijing',
      AddressType: 'internet',
      NetworkType: 'classic',
      InternetChargeType: 'paybytraffic',
      Address: `47.95.${randomBytes(1)[0]}.${randomBytes(1)[0]}`,
      CreateTime: new Date().toISOString(),
      tags: new Map(),
      listeners: new Map(),
      backends: new Map(),
      ...r,
    };
    state.balancers.set(rec.LoadBalancerId, rec);
    return rec;
  };
  const listenerOf = (lb: SlbRecord, p: Record<string, string>, protocol?: string): SlbListenerRecord => {
    const l = lb.listeners.get(Number(need(p, 'ListenerPort')));
    if (!l || (protocol && l.protocol !== protocol)) throw new SlbError(400, 'InvalidParameter', 'The specified listener does not exist.');
    return l;
  };
  const attrsOf = (p: Record<string, string>) => Object.fromEntries(Object.entries(p).filter(([k]) => !COMMON.has(k)));
  const wire = (v: string): string | number => (/^-?\d+$/.test(v) ? Number(v) : v);
  const summary = (lb: SlbRecord) => ({
    LoadBalancerId: lb.LoadBalancerId,
    LoadBalancerName: lb.LoadBalancerName,
    LoadBalancerStatus: 'active',
    Address: lb.Address,
    AddressType: lb.AddressType,
    NetworkType: lb.NetworkType,
    RegionId: lb.RegionId,
    ...(lb.VpcId ? { VpcId: lb.VpcId, VSwitchId: lb.VSwitchId } : {}),
    CreateTime: lb.CreateTime,
  });
  const servers = (p: Record<string, string>) =>
    json<Array<{ ServerId: string; Weight?: string | number }>>(p, 'BackendServers').map((s) => {
      if (!/^i-[A-Za-z0-9]+$/.test(s.ServerId ?? '')) throw new SlbError(400, 'InvalidParameter', `backend server ${s.ServerId} is not an instance id.`);
      const w = Number(s.Weight ?? 100);
      if (!Number.isInteger(w) || w < 0 || w > 100) throw new SlbError(400, 'InvalidParameter', 'Weight must be 0-100.');
      return { id: s.ServerId, weight: w };
    });
  const backendList = (lb: SlbRecord) => ({ BackendServers: { BackendServer: [...lb.backends].map(([ServerId, Weight]) => ({ ServerId, Weight })) } });

  const actions: Record<string, Action> = {
    CreateLoadBalancer(p) {
      need(p, 'RegionId');
      const known = p.ClientToken ? state.tokens.get(p.ClientToken) : undefined;
      const lb = known ? state.balancers.get(known)! : undefined;
      if (lb) return { ...summary(lb) };
      const rec = make({
        LoadBalancerName: p.LoadBalancerName ?? `auto_named_slb_${randomBytes(3).toString('hex')}`,
        RegionId: p.RegionId!,
        AddressType: p.AddressType === 'intranet' ? 'intranet' : 'internet',
        NetworkType: p.VSwitchId ? 'vpc' : 'classic',
        ...(p.VSwitchId ? { VpcId: p.VpcId, VSwitchId: p.VSwitchId } : {}),
        ...(p.LoadBalancerSpec ? { LoadBalancerSpec: p.LoadBalancerSpec } : {}),
        ...(p.Bandwidth ? { Bandwidth: Number(p.Bandwidth) } : {}),
        InternetChargeType: p.InternetChargeType ?? 'paybytraffic',
        ...(p.AddressType === 'intranet' ? { Address: `10.0.${randomBytes(1)[0]}.${randomBytes(1)[0]}` } : {}),
      });
      if (p.ClientToken) state.tokens.set(p.ClientToken, rec.LoadBalancerId);
      return summary(rec);
    },
    DescribeLoadBalancers(p) {
      need(p, 'RegionId');
      const tags = p.Tags ? json<Array<{ TagKey: string; TagValue: string }>>(p, 'Tags') : [];
      const found = [...state.balancers.values()].filter(
        (lb) =>
          lb.RegionId === p.RegionId &&
          (!p.LoadBalancerName || lb.LoadBalancerName === p.LoadBalancerName) &&
          (!p.LoadBalancerId || p.LoadBalancerId.split(',').includes(lb.LoadBalancerId)) &&
          tags.every((t) => lb.tags.get(t.TagKey) === t.TagValue),
      );
      return { TotalCount: found.length, PageNumber: 1, PageSize: 50, LoadBalancers: { LoadBalancer: found.map(summary) } };
    },
    DescribeLoadBalancerAttribute(p) {
      const lb = get(p);
      return {
        ...summary(lb),
        ...(lb.LoadBalancerSpec ? { LoadBalancerSpec: lb.LoadBalancerSpec } : {}),
        ...(lb.Bandwidth !== undefined ? { Bandwidth: lb.Bandwidth } : {}),
        InternetChargeType: lb.InternetChargeType,
        ListenerPorts: { ListenerPort: [...lb.listeners.keys()] },
        ListenerPortsAndProtocol: { ListenerPortAndProtocol: [...lb.listeners].map(([ListenerPort, l]) => ({ ListenerPort, ListenerProtocol: l.protocol })) },
        ...backendList(lb),
      };
    },
    AddTags(p) {
      const lb = get(p);
      for (const t of json<Array<{ TagKey: string; TagValue: string }>>(p, 'Tags')) lb.tags.set(t.TagKey, t.TagValue);
      return {};
    },
    DescribeTags(p) {
      const lb = get(p);
      return { TagSets: { TagSet: [...lb.tags].map(([TagKey, TagValue]) => ({ TagKey, TagValue, InstanceCount: 1 })) } };
    },
    ModifyLoadBalancerInternetSpec(p) {
      const lb = get(p);
      lb.InternetChargeType = need(p, 'InternetChargeType');
      if (p.Bandwidth) lb.Bandwidth = Number(p.Bandwidth);
      return {};
    },
    ModifyLoadBalancerInstanceSpec(p) {
      get(p).LoadBalancerSpec = need(p, 'LoadBalancerSpec');
      return {};
    },
    StartLoadBalancerListener(p) {
      listenerOf(get(p), p, p.ListenerProtocol).Status = 'running';
      return {};
    },
    DeleteLoadBalancerListener(p) {
      const lb = get(p);
      listenerOf(lb, p, p.ListenerProtocol);
      lb.listeners.delete(Number(p.ListenerPort));
      return {};
    },
    AddBackendServers(p) {
      const lb = get(p);
      for (const s of servers(p)) lb.backends.set(s.id, s.weight);
      return { LoadBalancerId: lb.LoadBalancerId, ...backendList(lb) };
    },
    RemoveBackendServers(p) {
      const lb = get(p);
      for (const s of servers(p)) lb.backends.delete(s.id);
      return { LoadBalancerId: lb.LoadBalancerId, ...backendList(lb) };
    },
    SetBackendServers(p) {
      const lb = get(p);
      const list = servers(p);
      const missing = list.filter((s) => !lb.backends.has(s.id));
      if (missing.length > 0) throw new SlbError(400, 'BackendServer.NotExist', `backend ${missing[0]!.id} is not attached.`);
      for (const s of list) lb.backends.set(s.id, s.weight);
      return { LoadBalancerId: lb.LoadBalancerId, ...backendList(lb) };
    },
    DeleteLoadBalancer(p) {
      const lb = get(p);
      state.balancers.delete(lb.LoadBalancerId);
      for (const [t, id] of state.tokens) if (id === lb.LoadBalancerId) state.tokens.delete(t);
      return {};
    },
  };
  for (const [word, protocol] of Object.entries(PROTOCOLS)) {
    actions[`CreateLoadBalancer${word}Listener`] = (p) => {
      const lb = get(p);
      const port = Number(need(p, 'ListenerPort'));
      need(p, 'BackendServerPort');
      need(p, 'Bandwidth');
      if (lb.listeners.has(port)) throw new SlbError(400, 'ListenerAlreadyExists', 'The specified listener port is already in use.');
      if (protocol === 'https' && !p.ServerCertificateId) throw new SlbError(400, 'MissingServerCertificateId', 'ServerCertificateId is mandatory for https.');
      if ((protocol === 'http' || protocol === 'https') && !p.StickySession) throw new SlbError(400, 'MissingStickySession', 'StickySession is mandatory.');
      lb.listeners.set(port, { protocol, attrs: attrsOf(p), Status: 'stopped' });
      return {};
    };
    actions[`SetLoadBalancer${word}ListenerAttribute`] = (p) => {
      const l = listenerOf(get(p), p, protocol);
      if (p.BackendServerPort !== undefined) throw new SlbError(400, 'InvalidParameter', 'BackendServerPort cannot be modified.');
      Object.assign(l.attrs, attrsOf(p));
      return {};
    };
    actions[`DescribeLoadBalancer${word}ListenerAttribute`] = (p) => {
      const l = listenerOf(get(p), p, protocol);
      return { ...Object.fromEntries(Object.entries(l.attrs).map(([k, v]) => [k, wire(v)])), Status: l.Status };
    };
  }
  return Object.assign(actions, { seed: make });
}
