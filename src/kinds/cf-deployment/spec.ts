/** The CFDeployment spec as schemas/cf-deployment.schema.json guarantees it, and what observe reports. */
import type { SecretRef } from '../../model/resource.js';
import type { MonitState } from '../../drivers/types.js';
import type { Minimums } from './components.js';

export type CountOrPercent = number | `${number}%`;
/** Milliseconds: `N` (wait N, then check once) or `low-high` (wait low, then poll until healthy or high). */
export type WatchTime = number | `${number}-${number}`;

export interface UpdatePolicy {
  canaries?: CountOrPercent;
  maxInFlight?: CountOrPercent;
  canaryWatchTime?: WatchTime;
  updateWatchTime?: WatchTime;
  /** True: nothing else is installed while this component is. */
  serial?: boolean;
}

export type RunState = 'running' | 'stopped';

export interface ComponentSpec {
  /** Host names or addresses (`10.0.0.5`, `127.0.0.1:2202`) of declared Hosts. */
  hosts: string[];
  state?: RunState;
  minimums?: Partial<Minimums>;
  update?: UpdatePolicy;
}

export interface CFProperties {
  domain: string;
  home?: string;
  /** Node disk minimum in GB (seed: disksize), checked when checkdisk. */
  disksize?: number;
  checkdisk?: boolean;
  adduser?: boolean;
  user?: string;
  password?: SecretRef;
  root?: SecretRef;
}

export interface CFDeploymentSpec {
  release: { version: 'v160' | 'v170' | 'v194'; dir: string };
  components: Record<string, string[] | ComponentSpec>;
  properties: CFProperties;
  update?: UpdatePolicy;
  /** Per host (name or address): `state: stopped` stops every component there. */
  hosts?: Record<string, { state?: RunState }>;
  resurrection?: { enabled?: boolean; maxDown?: number; maxDownPercent?: number };
  monit?: { httpPort?: number; intervalSeconds?: number; statusVia?: 'auto' | 'xml' | 'summary' };
}

/** One component on one host: the unit of install, status and control. */
export interface Instance {
  component: string;
  /** Position in the component's host list: `nats_0`, `nats_1` as the seed names logs. */
  index: number;
  host: string;
  address: string;
  state: RunState;
  /** Digest of everything installed for it (release files, rendered config, control file). */
  digest: string;
}

export interface HostUsage {
  cpuPercent?: number;
  memoryPercent?: number;
  diskPercent?: number;
}

export interface HostObservation {
  host: string;
  address: string;
  reachable: boolean;
  error?: string;
  facts: { cpus?: number; memoryMiB?: number; diskMiB?: number };
  usage: HostUsage;
  usersPresent: string[];
  monitRunning: boolean;
  /** Installed component -> digest, from markers driftless writes after a successful install. */
  installed: Record<string, string>;
  /** Monit's verdict per component process. */
  processes: Record<string, { state: MonitState; detail: string }>;
}

export interface CFObserved {
  hosts: HostObservation[];
  /** Desired instances (copied so diff and health stay pure). */
  instances: Instance[];
  /** Problems found before anything runs: hardware, users, reachability, release files. */
  preflight: string[];
  resurrection: { enabled: boolean; maxDown: number; maxDownPercent: number };
}
