/** The Aliyun SLB contract (implemented in drivers/aliyun/). */
import type { ProviderAccount } from './provider.js';

/** SLB listener protocols and the schedulers SLB offers. */
export type SlbProtocol = 'http' | 'https' | 'tcp' | 'udp';

/** A listener as desired and as read back, normalised across the four protocols (absent = SLB's default). */
export interface SlbListener {
  protocol: SlbProtocol;
  port: number;
  backendPort: number;
  /** Mbps; -1 = shared from the instance. */
  bandwidth: number;
  scheduler: 'wrr' | 'wlc' | 'rr';
  /** http/https: cookie insertion by SLB or the backend's own cookie; tcp: persistence timeout only. */
  stickySession?: { type: 'insert'; timeoutSeconds: number } | { type: 'server'; cookie: string };
  /** https only. */
  certificateId?: string;
  healthCheck: {
    enabled: boolean;
    domain?: string;
    uri?: string;
    connectPort?: number;
    healthyThreshold: number;
    unhealthyThreshold: number;
    timeoutSeconds: number;
    intervalSeconds: number;
    httpCodes?: string[];
  };
  /** Read back only: `running` or `stopped`. */
  status?: string;
}

export interface SlbBackend {
  instanceId: string;
  weight: number;
}

/** What a load balancer is made with; address and network type cannot change after creation. */
export interface SlbInstanceSpec {
  name: string;
  addressType: 'internet' | 'intranet';
  networkType: 'classic' | 'vpc';
  vpcId?: string;
  vswitchId?: string;
  /** Performance spec such as `slb.s1.small`; absent = shared-performance instance. */
  spec?: string;
  bandwidth?: number;
  internetChargeType: 'paybytraffic' | 'paybybandwidth';
}

export interface SlbState extends SlbInstanceSpec {
  id: string;
  address?: string;
  status: string;
  tags: Record<string, string>;
  listeners: SlbListener[];
  backends: SlbBackend[];
}

/**
 * Aliyun SLB through pop-core, one driver per account and region. Idempotent by construction: create carries a
 * ClientToken, and `find` adopts an instance by name or tags after a crash. Errors as for ProviderDriver.
 */
export interface SlbDriver {
  /** Load balancers with this name, or else carrying all these tags; full state of each. */
  find(name: string, tags: Record<string, string>): Promise<SlbState[]>;
  describe(id: string): Promise<SlbState | undefined>;
  create(spec: SlbInstanceSpec, clientToken: string, tags: Record<string, string>): Promise<string>;
  addTags(id: string, tags: Record<string, string>): Promise<void>;
  modifyInternetSpec(id: string, chargeType: SlbInstanceSpec['internetChargeType'], bandwidth?: number): Promise<void>;
  modifyInstanceSpec(id: string, spec: string): Promise<void>;
  createListener(id: string, listener: SlbListener): Promise<void>;
  updateListener(id: string, listener: SlbListener): Promise<void>;
  startListener(id: string, port: number, protocol: SlbProtocol): Promise<void>;
  deleteListener(id: string, port: number, protocol: SlbProtocol): Promise<void>;
  addBackends(id: string, backends: SlbBackend[]): Promise<void>;
  removeBackends(id: string, instanceIds: string[]): Promise<void>;
  setBackends(id: string, backends: SlbBackend[]): Promise<void>;
  /** Gone already = success. */
  delete(id: string): Promise<void>;
}

export interface SlbRegistry {
  get(account: ProviderAccount): SlbDriver;
}
