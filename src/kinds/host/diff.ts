/**
 * Pure diff for a Host. A host always exists (we do not create physical machines), so the only change is init:
 * steps not yet recorded on it. An unreachable host plans an `update` so apply retries it with backoff and the
 * run converges once it is back.
 */
import type { DiffOutcome, FieldChange } from '../../model/plan.js';
import type { Resource } from '../../model/resource.js';
import { pendingSteps, planSteps } from './init-steps.js';
import type { HostObserved, HostSpec } from './spec.js';

export function diffHost(desired: Resource<HostSpec>, observed: HostObserved | undefined): DiffOutcome {
  const planned = planSteps(desired.spec.init);
  if (!observed || !observed.reachable) {
    const changes: FieldChange[] = [{ path: 'status.reachable', before: false, after: true }];
    if (planned.length > 0) changes.push({ path: 'spec.init', before: '(unknown)', after: planned.map((s) => s.name) });
    return { action: 'update', changes, reason: 'Unreachable', ...(observed?.error ? { message: observed.error } : {}) };
  }
  const pending = pendingSteps(planned, observed.initDone);
  if (pending.length === 0) return { action: 'noop', changes: [] };
  const firstRun = observed.initDone.length === 0;
  return {
    action: firstRun ? 'create' : 'update',
    changes: pending.map((s) => ({ path: `spec.init[${s.name}]`, before: firstRun ? undefined : '(not run)', after: `run (${s.digest.slice(0, 8)})` })),
  };
}
