/**
 * Drift handling for re-observation runs (the revision did not move, the world did): every change found is drift
 * and is labelled `DriftDetected`, unless the resource opts out with the annotation `driftless.dev/drift: ignore`.
 * An opted-out resource stays in the plan's task list (so it is still declared and keeps its status) but is taken
 * out of every wave, so the engine neither touches it nor health-gates it (a gate would wait on the very drift it
 * was told to ignore); its task becomes a no-op labelled `DriftIgnored` and its drift is logged. Pure.
 */
import type { Plan, Task } from '../model/plan.js';
import type { ResourceKey } from '../model/resource.js';

export const DRIFT_ANNOTATION = 'driftless.dev/drift';

/** True when the resource asked not to have drift corrected. */
export function ignoresDrift(task: Task): boolean {
  return task.desired.metadata.annotations?.[DRIFT_ANNOTATION] === 'ignore';
}

export interface DriftPlan {
  plan: Plan;
  /** Resources whose drift was found and corrected by this plan. */
  drifted: ResourceKey[];
  /** Resources whose drift was found and, by annotation, left alone. */
  ignored: ResourceKey[];
}

export function markDrift(plan: Plan): DriftPlan {
  const ignored = new Set(plan.tasks.filter((t) => t.action !== 'noop' && !t.error && ignoresDrift(t)).map((t) => t.key));
  const tasks = plan.tasks.map((t): Task => {
    if (ignored.has(t.key)) return { ...t, action: 'noop', changes: [], reason: 'DriftIgnored' };
    return t.action === 'noop' || t.error ? t : { ...t, reason: t.reason ?? 'DriftDetected' };
  });
  const drifted = tasks.filter((t) => t.action !== 'noop' && !t.error).map((t) => t.key);
  const waves = plan.waves.map((w) => w.filter((k) => !ignored.has(k))).filter((w) => w.length > 0);
  return { plan: { ...plan, tasks, waves }, drifted, ignored: [...ignored] };
}
