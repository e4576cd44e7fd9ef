/** The `swarm` block of a Pool with `runtime: swarm`, as schemas/pool.schema.json guarantees it. */
import type { EngineJson } from '../../../drivers/types.js';
import type { SecretRef } from '../../../model/resource.js';

export interface UpdatePolicy {
  parallelism?: number;
  delay?: string;
  failureAction?: 'pause' | 'continue' | 'rollback';
  monitor?: string;
  maxFailureRatio?: number;
  order?: 'stop-first' | 'start-first';
}

/** A Swarm secret or config whose content is an operator secret. */
export interface SwarmFileRef {
  secret: SecretRef;
  target: string;
  mode?: string;
}

export interface SwarmPoolSpec {
  cluster: string;
  mode?: 'replicated' | 'global';
  publishMode?: 'ingress' | 'host';
  networks?: string[];
  tmpfs?: { target: string; size?: string }[];
  update?: UpdatePolicy;
  rollback?: UpdatePolicy;
  placement?: { constraints?: string[]; preferences?: { spread: string }[]; maxReplicasPerNode?: number };
  healthCheck?: { command: string[]; interval?: string; timeout?: string; retries?: number; startPeriod?: string };
  labels?: Record<string, string>;
  secrets?: SwarmFileRef[];
  configs?: SwarmFileRef[];
  convergeTimeout?: string;
}

/** Service label holding the digest of the spec driftless last applied: a view that differs under it is drift. */
export const SPEC_LABEL = 'driftless.dev/spec';
/** Label on the service, networks, secrets and configs driftless made for a pool. */
export const OWNER_LABEL = 'driftless.dev/pool';

/** What a swarm-run pool looks like (kept in PoolObserved.swarm; no secret value, only names derived from digests). */
export interface SwarmObserved {
  cluster: string;
  /** The manager asked. */
  manager: string;
  /** The ServiceSpec driftless would send now (image pinned by digest, networks by id, secrets by name). */
  desired: EngineJson;
  service?: { id: string; version: number; spec: EngineJson; updateState?: string; updateMessage?: string };
  /** Owned networks by name (id). */
  networks: Record<string, string>;
  /** Owned secrets and configs that exist, by name (id). */
  secrets: Record<string, string>;
  configs: Record<string, string>;
  /** Running-desired tasks: what health and membership follow. */
  tasks: { id: string; slot?: number; node: string; host: string; address?: string; state: string; health?: string; message?: string; image?: string }[];
  desiredCount: number;
}
