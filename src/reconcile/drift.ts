/**
 * Drift handling for re-observation runs (the revision did not move, the world did): every change found is drift
 * and is labelled `DriftDetected`, unless the resource opts out with the annotation `driftless.dev/drift: ignore`,
 * in which case its task becomes a no-op (the change is logged, not corrected). Pure: a plan in, a plan out.
 */
import type { Plan, Task } from '../model/plan.js';

export const DRIFT_ANNOTATION = 'driftless.dev/drift';

/** True when the resource asked not to have drift corrected. */
export function ignoresDrift(task: Task): boolean {
  return task.desired.metadata.annotations?.[DRIFT_ANNOTATION] === 'ignore';
}

export function markDrift(plan: Plan): Plan {
  const tasks = plan.tasks.map((t): Task => {
    if (t.action === 'noop' || t.error) return t;
    if (ignoresDrift(t)) return { ...t, action: 'noop', changes: [], reason: 'DriftIgnored' };
    return { ...t, reason: t.reason ?? 'DriftDetected' };
  });
  return { ...plan, tasks };
}
