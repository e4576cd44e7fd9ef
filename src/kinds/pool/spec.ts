/** The Pool spec as schemas/pool.schema.json guarantees it (defaults filled by the loader), and node labels. */
import type { SecretRef } from '../../model/resource.js';
import type { ExitInfo, RestartVerdict } from './restart-policy.js';
import type { SwarmObserved, SwarmPoolSpec } from './swarm/spec.js';

/** A count, or a percentage of the desired nodes. */
export type CountOrPercent = number | `${number}%`;

/** A container port, published as host:container off the host network. */
export interface PortSpec {
  container: number;
  host?: number;
  protocol?: 'tcp' | 'udp';
}

/** A bind mount (host path) or named volume. */
export interface MountSpec {
  type?: 'bind' | 'volume';
  source: string;
  target: string;
  readOnly?: boolean;
}

/** CPUs and memory, as limits or reservations. */
export interface ResourceAmounts {
  cpus?: number;
  memory?: string;
}

/** How each node's container runs (Crane's service fields). */
export interface ContainerSpec {
  image: string | { project: string; tag?: string };
  command?: string[];
  args?: string[];
  env?: Record<string, string>;
  workdir?: string;
  ports?: PortSpec[];
  labels?: Record<string, string>;
  resources?: { limits?: ResourceAmounts; reservations?: ResourceAmounts };
  /** Crane/swarm restart policy; delay and window (or maxAttempts with `any`) make driftless do the restarts. */
  restartPolicy?: { condition?: 'none' | 'on-failure' | 'any'; maxAttempts?: number; delay?: string; window?: string };
  mounts?: MountSpec[];
  network?: string;
  /** Time to exit after SIGTERM before SIGKILL (Crane's stop_grace_period), given to the container at start. */
  stopGracePeriod?: string;
  registryAuth?: { username: string; password: SecretRef };
}

/** How a node is known to serve, and how long it may take. */
export interface HealthCheckSpec {
  tcp?: { port: number };
  http?: { port: number; path?: string };
  command?: string;
  probeTimeout?: string;
  interval?: string;
  timeout?: string;
}

/** Batches, bounds and the failure policy of a rolling deploy. */
export interface RolloutSpec {
  canary?: number;
  batchSize?: CountOrPercent;
  maxUnavailable?: CountOrPercent;
  maxSurge?: CountOrPercent;
  maxFailureRatio?: number;
  failureAction?: 'pause' | 'rollback';
}

/** The Pool spec. */
export interface PoolSpec {
  service: string;
  description?: string;
  hosts?: { names?: string[]; selector?: Record<string, string> };
  /** Machines the pool creates for itself from a MachineTemplate (OpenDCP's create_vm / return_vm). */
  machines?: { template: string };
  mode?: 'one-per-host' | 'fixed';
  replicas?: number;
  maxPerHost?: number;
  shrinkOrder?: 'newest-first' | 'oldest-first';
  container: ContainerSpec;
  tasks?: { expand?: string; shrink?: string; deploy?: string };
  rollout?: RolloutSpec;
  healthCheck?: HealthCheckSpec;
  /** ssh (default): driftless places containers over SSH; swarm: the pool is one Swarm service (see swarm/). */
  runtime?: 'ssh' | 'swarm';
  swarm?: SwarmPoolSpec;
}

/** A node's container as read from its host. */
export interface NodeObserved {
  id: string;
  /** Container name, `<pool>-<ordinal>`. */
  name: string;
  host: string;
  ordinal: number;
  /** Docker's state: running, exited, created, restarting, dead, paused. */
  state: string;
  specDigest: string;
  createdAt: string;
  /** The image reference the container was started with (its label). */
  image?: string;
  /** How its last run ended, for an exited node under a managed restart policy. */
  exit?: ExitInfo;
  /** What the restart policy decides for it (an exited node of the current spec under a managed policy). */
  restart?: RestartVerdict;
  /** Result of the health probe; undefined when the node is not running or the pool declares no check. */
  healthy?: boolean;
  /** Swarm runtime: the address the task's swarm node advertises (nginx members use it instead of asking the host). */
  address?: string;
}

/** One host's nodes, or why the host could not be read. */
export interface HostNodes {
  host: string;
  reachable: boolean;
  error?: string;
  /** A machine of the pool (returned when it has no node left). */
  machine?: boolean;
  nodes: NodeObserved[];
}

/** Where a pool following an ImageProject (no pinned tag) takes its image from, as observed this run. */
export interface ImageSource {
  project: string;
  /** The project's image for its current inputs is in the registry (`digest` is what nodes run). */
  built: boolean;
  tag?: string;
  digest?: string;
  mediaCommit?: string;
  /** Why it is not built yet. */
  message?: string;
}

/** What a pool looks like on its hosts, plus the desired facts health needs to stay pure. */
export interface PoolObserved {
  /** Eligible hosts (declared and matching), sorted by name. */
  eligible: string[];
  hosts: HostNodes[];
  /** Digest of the container spec + resolved image that current nodes carry. */
  specDigest: string;
  image: string;
  /** Present when the image follows an ImageProject's builds. */
  imageSource?: ImageSource;
  desiredCount: number;
  /** Machines the pool created (by their tags), reachable or not; absent for a pool on declared hosts only. */
  machines?: { name: string; state: string; error?: string }[];
  /** New machines may be made for nodes that find no host (a machine template, and every machine answered). */
  grow?: boolean;
  /** Running, healthy, current nodes still out of rotation (their flow never registered them): the next apply registers them. */
  held?: string[];
  /** Set for `runtime: swarm`: the service as the manager reports it (hosts/nodes then mirror its tasks). */
  swarm?: SwarmObserved;
}

/** Labels on every node container: how observe finds a pool's nodes and tells current from stale. */
export const NODE_LABELS = {
  pool: 'driftless.pool',
  service: 'driftless.service',
  host: 'driftless.host',
  spec: 'driftless.spec',
  ordinal: 'driftless.ordinal',
  image: 'driftless.image',
  created: 'driftless.created',
} as const;
