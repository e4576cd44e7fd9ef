/**
 * A plan is data: `plan` prints it, `apply` executes exactly it. Everything here is JSON-serialisable and never
 * carries a secret value (secrets are references in specs; kinds mark sensitive field changes).
 */
import type { HealthStatus } from './health.js';
import type { Resource, ResourceKey, SourcePos } from './resource.js';

export type DiffAction = 'create' | 'update' | 'replace' | 'noop';
export type Action = DiffAction | 'delete';

/** One changed field. `sensitive` changes are printed as `(sensitive)` and never with values. */
export interface FieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
  sensitive?: boolean;
}

/** What a kind's pure diff says about one resource. */
export interface DiffOutcome {
  action: DiffAction;
  changes: FieldChange[];
  /** Why, when it is not obvious from the changes: e.g. `DriftDetected` for a host edited by hand. */
  reason?: string;
  /** The cause behind `reason`, for people: e.g. `connect ECONNREFUSED 10.0.0.5:22` for `Unreachable`. */
  message?: string;
}

export interface Task<Spec = unknown, Observed = unknown> {
  key: ResourceKey;
  kind: string;
  name: string;
  action: DiffAction;
  wave: number;
  changes: FieldChange[];
  reason?: string;
  /** The cause behind `reason` (see DiffOutcome.message). */
  message?: string;
  dependsOn: ResourceKey[];
  /** Digest of the desired resource: what the inventory records once applied. */
  digest: string;
  desired: Resource<Spec>;
  observed?: Observed;
  /**
   * Set when the plan could not tell the state (observe or diff threw). Apply reports the task failed with this
   * disposition without calling the kind, and skips its dependents; `action` is then 'noop' (nothing is known).
   */
  error?: TaskError;
}

/** Why a task could not be planned: the classified error, kept as data so the plan stays JSON. */
export interface TaskError {
  reason: string;
  message: string;
  disposition: 'stalled' | 'failed' | 'waiting' | 'transient';
}

export interface PruneTask {
  key: ResourceKey;
  kind: string;
  name: string;
  /** False when policy forbids deleting it: the plan reports it, apply leaves it alone. */
  allowed: boolean;
  reason: string;
}

export interface Plan {
  revision: string;
  createdAt: string;
  waves: ResourceKey[][];
  tasks: Task[];
  prune: PruneTask[];
}

export type TaskStatus = 'succeeded' | 'failed' | 'skipped' | 'noop' | 'pruned' | 'prune-failed' | 'prune-skipped';

export interface TaskResult {
  key: ResourceKey;
  action: Action;
  wave: number;
  status: TaskStatus;
  reason?: string;
  message?: string;
  /** 'stalled' | 'failed' | 'waiting' | 'transient' for failures, so the summariser can set conditions. */
  disposition?: string;
  attempts: number;
  durationMs: number;
  health?: HealthStatus;
  observedDigest?: string;
  /** The kind's status detail from the same observation as observedDigest (KindModule.statusDetails). */
  details?: Record<string, unknown>;
  source?: SourcePos;
}

export type RunOutcome = 'Succeeded' | 'Failed' | 'Stalled' | 'Waiting' | 'NoChanges' | 'Planned';

export interface Problem {
  file: string;
  line: number;
  col: number;
  message: string;
  /**
   * From a kind's validate(): the JSON pointer (e.g. `/spec/components/uaa/0`) of the field the problem is about;
   * the loader then places it at that field's line instead of the document's start, and drops the pointer.
   */
  pointer?: string;
}

export interface RunRecord {
  id: string;
  trigger: string;
  revision: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  outcome: RunOutcome;
  message?: string;
  counts: Record<string, number>;
  results: TaskResult[];
  problems?: Problem[];
}

/** True when applying the plan would change nothing; a task that could not be observed is never a no-op. */
export function isNoop(plan: Plan): boolean {
  return plan.tasks.every((t) => t.action === 'noop' && !t.error) && plan.prune.every((p) => !p.allowed);
}
