/** The Host spec as schemas/host.schema.json defines it (after driftless.yaml defaults are merged in). */
import type { SecretRef } from '../../model/resource.js';
import type { Facts } from './facts.js';

export interface InitStep {
  name: string;
  run: string;
  timeoutSeconds?: number;
}

export interface HostSpec {
  address: string;
  port?: number;
  user?: string;
  privateKey: SecretRef;
  cluster?: string;
  init?: InitStep[];
  initTimeoutSeconds?: number;
  expect?: { cpus?: number; memoryMiB?: number; diskGiB?: number };
}

/** Facts read from the host in one round trip, plus which init steps already ran there. */
export interface HostObserved extends Facts {
  reachable: boolean;
  error?: string;
  /** Digests of the declared steps, in order (copied from desired so health stays pure). */
  initWanted: string[];
  expect?: HostSpec['expect'];
}
