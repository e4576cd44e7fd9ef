/**
 * The SlbLoadBalancer spec as schemas/slb-load-balancer.schema.json defines it, and its normal form: SLB's own
 * defaults written out, so a listener read back compares equal to the one declared.
 */
import type { SlbBackend, SlbInstanceSpec, SlbListener, SlbProtocol, SlbState } from '../../drivers/types.js';
import type { Resource, SecretRef } from '../../model/resource.js';

export interface SlbListenerSpec {
  protocol: SlbProtocol;
  port: number;
  backendPort?: number;
  bandwidth?: number;
  scheduler?: 'wrr' | 'wlc' | 'rr';
  stickySession?: { type: 'insert'; timeoutSeconds?: number } | { type: 'server'; cookie: string };
  certificateId?: string;
  healthCheck?: {
    enabled?: boolean;
    domain?: string;
    uri?: string;
    connectPort?: number;
    healthyThreshold?: number;
    unhealthyThreshold?: number;
    timeoutSeconds?: number;
    intervalSeconds?: number;
    httpCodes?: string[];
  };
}

export interface SlbLoadBalancerSpec {
  account: { accessKeyId: SecretRef; accessKeySecret: SecretRef; endpoint?: string };
  region: string;
  /** LoadBalancerName; default: the resource name. Adoption looks for it. */
  loadBalancerName?: string;
  addressType?: 'internet' | 'intranet';
  network?: { type: 'classic' | 'vpc'; vpcId?: string; vswitchId?: string };
  spec?: string;
  bandwidth?: number;
  internetChargeType?: 'paybytraffic' | 'paybybandwidth';
  listeners: SlbListenerSpec[];
  backends?: {
    /** Every running, healthy node of these pools puts its host's instance in, with this weight. */
    pools?: Array<{ pool: string; weight?: number }>;
    servers?: Array<{ instanceId: string; weight?: number }>;
    /** Declared Host name -> ECS instance id, for hosts without the instance-id label. */
    instanceIds?: Record<string, string>;
  };
  /** `delete` lets prune delete the load balancer; `retain` (default) only forgets it. */
  deletionPolicy?: 'retain' | 'delete';
}

export interface SlbObserved {
  lb?: SlbState;
  /** Backends pool membership and static servers ask for, sorted by instance id. */
  backends: SlbBackend[];
  /** Pool nodes whose host has no known instance id (they cannot be backends). */
  unmapped: string[];
  /** The load balancer lacks our owner/name tags (adopted by name, or made before tagging finished). */
  tagsMissing?: boolean;
}

/** Host label naming the ECS instance a declared host is. */
export const INSTANCE_ID_LABEL = 'aliyun.driftless.dev/instance-id';
export const DEFAULT_WEIGHT = 100;

export function lbName(res: Resource<SlbLoadBalancerSpec>): string {
  return res.spec.loadBalancerName ?? res.metadata.name;
}

export function instanceSpecOf(res: Resource<SlbLoadBalancerSpec>): SlbInstanceSpec {
  const s = res.spec;
  const net = s.network ?? { type: 'classic' };
  return {
    name: lbName(res),
    addressType: s.addressType ?? 'internet',
    networkType: net.type,
    ...(net.vpcId ? { vpcId: net.vpcId } : {}),
    ...(net.vswitchId ? { vswitchId: net.vswitchId } : {}),
    ...(s.spec ? { spec: s.spec } : {}),
    ...(s.bandwidth !== undefined ? { bandwidth: s.bandwidth } : {}),
    internetChargeType: s.internetChargeType ?? 'paybytraffic',
  };
}

export function normalListener(l: SlbListenerSpec): SlbListener {
  const hc = l.healthCheck ?? {};
  const web = l.protocol === 'http' || l.protocol === 'https';
  const out: SlbListener = {
    protocol: l.protocol,
    port: l.port,
    backendPort: l.backendPort ?? l.port,
    bandwidth: l.bandwidth ?? -1,
    scheduler: l.scheduler ?? 'wrr',
    healthCheck: {
      enabled: hc.enabled ?? !web,
      healthyThreshold: hc.healthyThreshold ?? 3,
      unhealthyThreshold: hc.unhealthyThreshold ?? 3,
      timeoutSeconds: hc.timeoutSeconds ?? 5,
      intervalSeconds: hc.intervalSeconds ?? 2,
    },
  };
  if (hc.domain && l.protocol !== 'udp') out.healthCheck.domain = hc.domain;
  if (hc.uri && l.protocol !== 'udp') out.healthCheck.uri = hc.uri;
  if (hc.connectPort !== undefined) out.healthCheck.connectPort = hc.connectPort;
  if ((web || hc.uri) && l.protocol !== 'udp') out.healthCheck.httpCodes = hc.httpCodes ?? ['http_2xx'];
  const s = l.stickySession;
  if (s?.type === 'insert') out.stickySession = { type: 'insert', timeoutSeconds: s.timeoutSeconds ?? 1000 };
  if (s?.type === 'server' && web) out.stickySession = { type: 'server', cookie: s.cookie };
  if (l.protocol === 'https' && l.certificateId) out.certificateId = l.certificateId;
  return out;
}

/** What is compared: health check details only matter while it is on; the listener's run state separately. */
export function comparable(l: SlbListener): Omit<SlbListener, 'status'> {
  const { status: _status, ...rest } = l;
  return rest.healthCheck.enabled ? rest : { ...rest, healthCheck: { ...rest.healthCheck, domain: undefined, uri: undefined, connectPort: undefined, httpCodes: undefined } as SlbListener['healthCheck'] };
}

export const listenerKey = (l: { protocol: string; port: number }): string => `${l.protocol}:${l.port}`;
