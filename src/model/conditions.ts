/**
 * Per-resource status as Flux writes it: Ready / Reconciling / Stalled conditions whose lastTransitionTime moves
 * only when the status flips. Written by the summariser alone.
 */
import type { HealthStatus } from './health.js';
import type { ResourceKey, SourcePos } from './resource.js';

export type ConditionType = 'Ready' | 'Reconciling' | 'Stalled';
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface ResourceStatus {
  key: ResourceKey;
  kind: string;
  name: string;
  conditions: Condition[];
  health: HealthStatus;
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
  observedDigest?: string;
  /** The kind's status detail from the last run (quota usage, published version, ...); replaced every run. */
  details?: Record<string, unknown>;
  source?: SourcePos;
  updatedAt: string;
}

/** Returns the conditions with `next` set, keeping lastTransitionTime when the status did not change. */
export function setCondition(list: Condition[], next: Omit<Condition, 'lastTransitionTime'>, now: string): Condition[] {
  const prev = list.find((c) => c.type === next.type);
  const lastTransitionTime = prev && prev.status === next.status ? prev.lastTransitionTime : now;
  return [...list.filter((c) => c.type !== next.type), { ...next, lastTransitionTime }].sort((a, b) =>
    a.type.localeCompare(b.type),
  );
}

export function conditionOf(status: ResourceStatus | undefined, type: ConditionType): Condition | undefined {
  return status?.conditions.find((c) => c.type === type);
}
