/** Machine providers' contract (Aliyun ECS in drivers/aliyun/, the Docker lab in drivers/lab-provider/). */

/** Tag naming the SSH port of an instance reached on another port than 22 (a port forward, the test emulator). */
export const SSH_PORT_TAG = 'driftless:ssh-port';

/** Instance states normalised across providers (ECS: Pending, Stopped, Starting, Running, Stopping). */
export type InstanceState = 'pending' | 'stopped' | 'starting' | 'running' | 'stopping' | 'unknown';

/** One machine as its provider reports it. `tags` are how driftless finds its own machines after a crash. */
export interface ProviderInstance {
  id: string;
  name: string;
  state: InstanceState;
  /** The provider's own word for the state, for messages. */
  rawState: string;
  tags: Record<string, string>;
  privateIp?: string;
  publicIp?: string;
  /** SSH port when not 22 (an instance tagged `driftless:ssh-port`, e.g. behind a port forward). */
  sshPort?: number;
  networkType?: 'classic' | 'vpc';
  /** ISO time the provider created the instance: quota hours are counted from here. */
  createdAt: string;
}

/** What a provider needs to create one machine; fields a provider does not use are ignored by it. */
export interface ProviderMachineSpec {
  region?: string;
  zone?: string;
  instanceType?: string;
  /** Cloud image id; for the lab provider a container image (default: the lab host image). */
  image?: string;
  network?: {
    type: 'classic' | 'vpc';
    vpcId?: string;
    vswitchId?: string;
    securityGroupId?: string;
    internetChargeType?: 'PayByBandwidth' | 'PayByTraffic';
    internetMaxBandwidthOut?: number;
  };
  systemDisk?: { category: string; sizeGiB?: number };
  dataDisks?: Array<{ category: string; sizeGiB: number }>;
}

export interface CreateInstanceInput {
  /** Same token, same instance: a retried create never makes a second machine. */
  clientToken: string;
  name: string;
  /** OpenSSH public key authorised for root; the private half never leaves this machine. */
  publicKey: string;
  tags: Record<string, string>;
  spec: ProviderMachineSpec;
}

/**
 * The seed's ProviderDriver, made idempotent. Errors: throttling, 5xx and network failures are TransientErrors;
 * bad credentials and refused parameters are StalledErrors. `describe` returns undefined for a deleted instance.
 */
export interface ProviderDriver {
  readonly provider: string;
  create(input: CreateInstanceInput): Promise<string>;
  describe(id: string): Promise<ProviderInstance | undefined>;
  /** Every instance carrying all of these tags (paged through by the driver). */
  list(tags: Record<string, string>): Promise<ProviderInstance[]>;
  /** Classic network only: the address the machine is reached on from outside. Idempotent. */
  allocatePublicIp(id: string): Promise<string>;
  start(id: string): Promise<void>;
  stop(id: string): Promise<void>;
  /** Deletes a stopped instance (and what was created with it, like its key pair). Gone already = success. */
  delete(id: string): Promise<void>;
}

/** Credentials and place of one provider account, resolved from secret references just before use. */
export interface ProviderAccount {
  provider: string;
  region?: string;
  accessKeyId?: string;
  accessKeySecret?: string;
  /** API endpoint override (tests point it at the local emulator). */
  endpoint?: string;
}

/** Hands out provider drivers; unknown providers are a StalledError. */
export interface ProviderRegistry {
  get(account: ProviderAccount): ProviderDriver;
}
