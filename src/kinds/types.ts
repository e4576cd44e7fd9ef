/**
 * The contract every kind implements (after Pulumi's provider CRUD and gitops-engine's health functions).
 * Obligations: `observe` returns undefined for "not there" and throws only for "could not tell"; a failed `apply`
 * leaves nothing behind or something the next `observe` adopts; a failed `remove` means the thing still exists.
 */
import type { Drivers } from '../drivers/types.js';
import type { HealthReport } from '../model/health.js';
import type { InventoryEntry } from '../model/inventory.js';
import type { DiffOutcome, Problem, Task } from '../model/plan.js';
import type { Resource, ResourceKey, ResourceRef, SecretDestination, SecretRef } from '../model/resource.js';
import type { StateStore } from '../store/types.js';
import type { Logger } from '../util/logger.js';

export type { SecretDestination } from '../model/resource.js';

/** Minimal structured logger (pino-compatible) so kinds do not depend on pino. */
export type { Logger } from '../util/logger.js';

/**
 * Resolves a resource's secret reference for one destination, at the moment it is needed: refused (StalledError
 * `SecretNotAllowed`) unless the operator bound the secret to that destination. Values are registered for redaction
 * before they are returned.
 */
export interface SecretResolver {
  resolve(ref: SecretRef, to: SecretDestination): Promise<string>;
}

/** Read access to the desired state of the whole revision (e.g. a pool looking up its hosts). */
export interface ResourceIndex {
  get<Spec = unknown>(kind: string, name: string): Resource<Spec> | undefined;
  list<Spec = unknown>(kind: string): Resource<Spec>[];
}

export interface KindContext {
  drivers: Drivers;
  secrets: SecretResolver;
  resources: ResourceIndex;
  logger: Logger;
  signal: AbortSignal;
  /**
   * HA mode: throws (StalledError NotLeader) once this replica may no longer act. The engine checks it before each
   * task and prune; the SSH driver before each command. Absent for the CLI and a single daemon.
   */
  fence?: () => void;
  revision: string;
  /** The run an apply belongs to (its id under /runs), for records a kind keeps itself; absent when planning. */
  runId?: string;
  /**
   * Set only while planning, when nothing changes the world: reads that several kinds make of the same thing (a
   * Pool following an ImageProject observes the project too) are made once per plan. See shared/plan-memo.ts.
   */
  planMemo?: Map<string, Promise<unknown>>;
  /** Directory of the loaded config repo (for files a resource points at). */
  repoDir: string;
  /**
   * Everything a kind keeps between runs (machine keys, ledgers, histories, snapshots, rotation): through the store,
   * never as files of its own, so a shared backend (etcd) can hold it. See store/types.ts for the consistency rules.
   */
  store: StateStore;
  /**
   * A local directory for what must be real files on this machine and is never shared state: Git caches and
   * build logs of image projects. Never inside the config repo.
   */
  stateDir: string;
  /** What driftless last applied, by key: lets pure declarations (Cluster, Service) show create/update. */
  inventory: { get(key: ResourceKey): InventoryEntry | undefined };
}

/** A file or directory of the config repo that a spec field names (see `KindModule.repoPaths`). */
export interface RepoPathRef {
  /** JSON pointer of the field, e.g. `/spec/source`: where the problem is placed (file:line). */
  pointer: string;
  /** The path as written, relative to the repo root. */
  path: string;
  type: 'file' | 'dir';
  /** Names the path in a problem (default: the field, e.g. `spec.source`), e.g. `release job file of nats`. */
  what?: string;
}

export interface KindModule<Spec = unknown, Observed = unknown> {
  readonly kind: string;
  /** `$id` of the JSON schema in schemas/ that validates `spec`. */
  readonly schemaId: string;
  /** Tie-breaker inside a wave: lower goes first. */
  readonly order: number;
  /** Resources that must be healthy before this one is applied; also checked for existence by the loader. */
  dependencies(res: Resource<Spec>): ResourceRef[];
  /** Semantic checks the schema cannot express; returned problems stop the whole revision. */
  validate?(res: Resource<Spec>, all: ResourceIndex): Problem[];
  /**
   * Files and directories of the config repo the spec names (a template source, a release directory). The loader
   * checks that each exists and resolves, through symlinks, inside the repo (util/confine.ts), so that a config can
   * never make the daemon read, render or upload a file of its own machine; readers confine again at use time.
   */
  repoPaths?(res: Resource<Spec>): RepoPathRef[];
  observe(res: Resource<Spec>, ctx: KindContext): Promise<Observed | undefined>;
  diff(desired: Resource<Spec>, observed: Observed | undefined): DiffOutcome;
  apply(task: Task<Spec, Observed>, ctx: KindContext): Promise<void>;
  /** Absent = never pruned. Receives what the inventory recorded when it was last applied. */
  remove?(entry: InventoryEntry, ctx: KindContext): Promise<void>;
  health(observed: Observed | undefined): HealthReport;
  /** A stable digest of what was observed, recorded in status to show drift. */
  observedDigest?(observed: Observed | undefined): string | undefined;
  /**
   * A small, machine-readable status detail (quota usage, published version, node counts, facts) derived from
   * the same observation as `observedDigest`, so `status`, the HTTP routes and the status branch can show more
   * than Ready/health. Pure, small (a few hundred bytes) and never holding secrets (it is sanitised anyway). A
   * string `summary` key is shown as the resource's one-line detail by `driftless status` and the report.
   */
  statusDetails?(observed: Observed): Record<string, unknown> | undefined;
}

/** Registry: the one place kinds are named. */
export type KindRegistry = ReadonlyMap<string, KindModule<any, any>>;

export type { ResourceKey };
