/**
 * SLB wire shapes: one normalised listener to the parameters of Create/SetLoadBalancer{HTTP,HTTPS,TCP,UDP}Listener*
 * and back from Describe*ListenerAttribute. The four protocols name the same things differently (HealthCheck vs
 * HealthCheckSwitch, HealthCheckTimeout vs HealthCheckConnectTimeout, cookies vs PersistenceTimeout); this file is
 * the only place that knows.
 */
import type { SlbListener, SlbProtocol, SlbState } from '../types.js';

export const PROTOCOL_WORD: Record<SlbProtocol, string> = { http: 'HTTP', https: 'HTTPS', tcp: 'TCP', udp: 'UDP' };

type Params = Record<string, string | number>;

export function listenerParams(id: string, l: SlbListener): Params {
  const hc = l.healthCheck;
  const onOff = (b: boolean) => (b ? 'on' : 'off');
  const p: Params = { LoadBalancerId: id, ListenerPort: l.port, BackendServerPort: l.backendPort, Bandwidth: l.bandwidth, Scheduler: l.scheduler };
  const common: Params = {
    HealthyThreshold: hc.healthyThreshold,
    UnhealthyThreshold: hc.unhealthyThreshold,
    HealthCheckInterval: hc.intervalSeconds,
  };
  if (hc.connectPort !== undefined) common.HealthCheckConnectPort = hc.connectPort;
  if (l.protocol === 'http' || l.protocol === 'https') {
    Object.assign(p, common, { HealthCheck: onOff(hc.enabled), HealthCheckTimeout: hc.timeoutSeconds, XForwardedFor: 'on' });
    if (hc.domain) p.HealthCheckDomain = hc.domain;
    if (hc.uri) p.HealthCheckURI = hc.uri;
    if (hc.httpCodes) p.HealthCheckHttpCode = hc.httpCodes.join(',');
    const s = l.stickySession;
    p.StickySession = onOff(s !== undefined);
    if (s?.type === 'insert') Object.assign(p, { StickySessionType: 'insert', CookieTimeout: s.timeoutSeconds });
    if (s?.type === 'server') Object.assign(p, { StickySessionType: 'server', Cookie: s.cookie });
    if (l.protocol === 'https' && l.certificateId) p.ServerCertificateId = l.certificateId;
    return p;
  }
  Object.assign(p, common, { HealthCheckSwitch: onOff(hc.enabled), HealthCheckConnectTimeout: hc.timeoutSeconds });
  if (l.protocol === 'tcp') {
    p.HealthCheckType = hc.uri ? 'http' : 'tcp';
    if (hc.domain) p.HealthCheckDomain = hc.domain;
    if (hc.uri) p.HealthCheckURI = hc.uri;
    if (hc.uri && hc.httpCodes) p.HealthCheckHttpCode = hc.httpCodes.join(',');
    p.PersistenceTimeout = l.stickySession?.type === 'insert' ? l.stickySession.timeoutSeconds : 0;
  }
  return p;
}

/** The answer of Describe*ListenerAttribute as a listener. */
export function listenerFrom(protocol: SlbProtocol, a: Record<string, unknown>): SlbListener {
  const num = (k: string): number | undefined => (a[k] === undefined || a[k] === '' ? undefined : Number(a[k]));
  const str = (k: string): string | undefined => (typeof a[k] === 'string' && a[k] !== '' ? (a[k] as string) : undefined);
  const web = protocol === 'http' || protocol === 'https';
  const codes = str('HealthCheckHttpCode');
  const l: SlbListener = {
    protocol,
    port: num('ListenerPort') ?? 0,
    backendPort: num('BackendServerPort') ?? 0,
    bandwidth: num('Bandwidth') ?? -1,
    scheduler: (str('Scheduler') ?? 'wrr') as SlbListener['scheduler'],
    healthCheck: {
      enabled: (web ? str('HealthCheck') : (str('HealthCheckSwitch') ?? 'on')) === 'on',
      healthyThreshold: num('HealthyThreshold') ?? 3,
      unhealthyThreshold: num('UnhealthyThreshold') ?? 3,
      timeoutSeconds: num(web ? 'HealthCheckTimeout' : 'HealthCheckConnectTimeout') ?? 5,
      intervalSeconds: num('HealthCheckInterval') ?? 2,
    },
  };
  const hc = l.healthCheck;
  const domain = str('HealthCheckDomain');
  const uri = str('HealthCheckURI');
  const port = num('HealthCheckConnectPort');
  if (domain) hc.domain = domain;
  if (uri && protocol !== 'udp') hc.uri = uri;
  if (port !== undefined && port > 0) hc.connectPort = port;
  if (codes && protocol !== 'udp' && (web || uri)) hc.httpCodes = codes.split(',');
  if (web && str('StickySession') === 'on') {
    l.stickySession = str('StickySessionType') === 'server' ? { type: 'server', cookie: str('Cookie') ?? '' } : { type: 'insert', timeoutSeconds: num('CookieTimeout') ?? 0 };
  }
  if (protocol === 'tcp' && (num('PersistenceTimeout') ?? 0) > 0) l.stickySession = { type: 'insert', timeoutSeconds: num('PersistenceTimeout')! };
  if (protocol === 'https' && str('ServerCertificateId')) l.certificateId = str('ServerCertificateId')!;
  if (str('Status')) l.status = str('Status')!;
  return l;
}

/** DescribeLoadBalancerAttribute's answer, without listeners' details and tags (read separately). */
export interface LbAttribute {
  LoadBalancerId: string;
  LoadBalancerName?: string;
  LoadBalancerStatus?: string;
  Address?: string;
  AddressType?: string;
  NetworkType?: string;
  VpcId?: string;
  VSwitchId?: string;
  LoadBalancerSpec?: string;
  Bandwidth?: number;
  InternetChargeType?: string;
  ListenerPortsAndProtocol?: { ListenerPortAndProtocol?: Array<{ ListenerPort: number; ListenerProtocol: string }> };
  BackendServers?: { BackendServer?: Array<{ ServerId: string; Weight: number | string }> };
}

export function stateFrom(a: LbAttribute, tags: Record<string, string>, listeners: SlbListener[]): SlbState {
  return {
    id: a.LoadBalancerId,
    name: a.LoadBalancerName ?? '',
    status: a.LoadBalancerStatus ?? 'unknown',
    ...(a.Address ? { address: a.Address } : {}),
    addressType: a.AddressType === 'intranet' ? 'intranet' : 'internet',
    networkType: a.NetworkType === 'vpc' ? 'vpc' : 'classic',
    ...(a.VpcId ? { vpcId: a.VpcId } : {}),
    ...(a.VSwitchId ? { vswitchId: a.VSwitchId } : {}),
    ...(a.LoadBalancerSpec ? { spec: a.LoadBalancerSpec } : {}),
    ...(a.Bandwidth !== undefined ? { bandwidth: Number(a.Bandwidth) } : {}),
    internetChargeType: a.InternetChargeType === 'paybybandwidth' ? 'paybybandwidth' : 'paybytraffic',
    tags,
    listeners: listeners.sort((x, y) => x.port - y.port),
    backends: (a.BackendServers?.BackendServer ?? []).map((b) => ({ instanceId: b.ServerId, weight: Number(b.Weight) })).sort((x, y) => (x.instanceId < y.instanceId ? -1 : 1)),
  };
}
