/**
 * The Docker Swarm transport's contract (implemented in drivers/docker-swarm/): the engine API of one swarm node,
 * reached the way driftless reaches any inner engine (dockerode over `ssh://`, `docker system dial-stdio`), so a
 * swarm needs no open TCP port and its hosts are pinned like every other host. Specs are the Engine API's own JSON
 * (ServiceSpec, NodeSpec), which is the stable contract; kinds build it and never see dockerode.
 */
import type { SshTarget } from './ssh.js';

/** The Engine API's JSON for a spec (ServiceSpec, NodeSpec): plain data, compared field by field. */
export type EngineJson = Record<string, unknown>;

/** What one engine says about its own swarm membership (`docker info`'s Swarm block). */
export interface SwarmLocalState {
  /** inactive | pending | active | error | locked */
  state: string;
  nodeId?: string;
  /** The address this node advertises (`NodeAddr`). */
  nodeAddr?: string;
  /** True on a manager. */
  controlAvailable: boolean;
  clusterId?: string;
  /** `addr:2377` of every manager this node knows. */
  managers: { nodeId: string; addr: string }[];
  /** The engine's hostname (a swarm node's name). */
  hostname: string;
}

/** One node as a manager lists it (`docker node ls`). */
export interface SwarmNode {
  id: string;
  version: number;
  hostname: string;
  role: 'manager' | 'worker';
  availability: 'active' | 'pause' | 'drain';
  labels: Record<string, string>;
  /** ready | down | disconnected | unknown */
  state: string;
  addr?: string;
  leader: boolean;
  /** reachable | unreachable | unknown, for managers */
  reachability?: string;
}

/** One task (a container slot of a service). */
export interface SwarmTask {
  id: string;
  serviceId: string;
  nodeId?: string;
  slot?: number;
  desiredState: string;
  state: string;
  message?: string;
  error?: string;
  /** The image the task runs, as the spec gave it (pinned by digest). */
  image?: string;
  /** Health of the container, when the image or spec has a health check and the task runs. */
  health?: string;
  /** Digest of the task's spec as the engine returns it (tells tasks of one template from another's). */
  specDigest: string;
  /** Overlay addresses of the task, `ip/prefix` by network id. */
  addresses: { network: string; addr: string }[];
  createdAt: string;
  updatedAt: string;
}

export interface SwarmService {
  id: string;
  name: string;
  version: number;
  spec: EngineJson;
  previousSpec?: EngineJson;
  /** updating | paused | completed | rollback_started | rollback_paused | rollback_completed */
  updateState?: string;
  updateMessage?: string;
  /** Ports as published (`PublishedPort`, `TargetPort`, `PublishMode`). */
  ports: { published: number; target: number; protocol: string; mode: string }[];
}

/** A Swarm secret or config (the value is never read back: the engine does not return secret data). */
export interface SwarmObject {
  id: string;
  name: string;
  labels: Record<string, string>;
}

export interface SwarmNetwork {
  id: string;
  name: string;
  driver: string;
  labels: Record<string, string>;
}

/** Registry credentials for a service's image pull (sent to the manager with the create/update). */
export interface SwarmRegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

/**
 * One node's engine. Connection failures and 5xx (including a service update out of sequence, i.e. a concurrent
 * change) are TransientErrors; 4xx are StalledErrors. Join tokens are registered with the log/plan sanitiser
 * before they are returned.
 */
export interface SwarmEngine {
  local(): Promise<SwarmLocalState>;
  init(opts: { advertiseAddr: string; listenAddr?: string }): Promise<string>;
  join(opts: { remoteAddrs: string[]; token: string; advertiseAddr: string; listenAddr?: string }): Promise<void>;
  joinTokens(): Promise<{ worker: string; manager: string }>;
  leave(force: boolean): Promise<void>;
  nodes(): Promise<SwarmNode[]>;
  /** Replaces a node's spec (role, availability, labels), at the version observed. */
  updateNode(id: string, version: number, spec: { Role: string; Availability: string; Labels: Record<string, string>; Name?: string }): Promise<void>;
  removeNode(id: string, force: boolean): Promise<void>;
  tasks(filters: Record<string, string[]>): Promise<SwarmTask[]>;
  services(filters: Record<string, string[]>): Promise<SwarmService[]>;
  createService(spec: EngineJson, auth?: SwarmRegistryAuth): Promise<string>;
  updateService(id: string, version: number, spec: EngineJson, auth?: SwarmRegistryAuth, opts?: { rollback?: boolean }): Promise<void>;
  removeService(id: string): Promise<void>;
  networks(filters: Record<string, string[]>): Promise<SwarmNetwork[]>;
  createNetwork(spec: EngineJson): Promise<string>;
  removeNetwork(id: string): Promise<void>;
  secrets(filters: Record<string, string[]>): Promise<SwarmObject[]>;
  createSecret(name: string, value: string, labels: Record<string, string>): Promise<string>;
  removeSecret(id: string): Promise<void>;
  configs(filters: Record<string, string[]>): Promise<SwarmObject[]>;
  createConfig(name: string, value: string, labels: Record<string, string>): Promise<string>;
  removeConfig(id: string): Promise<void>;
  /** Resolves `image` to `repo@sha256:...` through the registry, as `docker service create` does. */
  distribution(image: string, auth?: SwarmRegistryAuth): Promise<string | undefined>;
}

/** Gives the engine of a host reached over SSH; cheap (nothing connects until a call). */
export interface SwarmDriver {
  engine(target: SshTarget): SwarmEngine;
  /** SSH connections dialled since creation (one per host while it stays up) and hosts talked to. */
  stats(): { dials: number; hosts: number };
  /** Closes every host connection (a later call dials again). */
  close(): Promise<void>;
}
