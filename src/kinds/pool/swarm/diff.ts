/**
 * Diff and health of a swarm-run pool (pure). The service's stored spec and the one driftless would send are
 * compared as views, field by field; when the stored spec still carries the digest label of what driftless
 * wants, every difference was made by hand (`docker service scale`, an edited env): DriftDetected, restored.
 */
import type { HealthReport } from '../../../model/health.js';
import type { DiffOutcome } from '../../../model/plan.js';
import type { PoolObserved } from '../spec.js';
import { SPEC_LABEL, type SwarmObserved } from './spec.js';
import { serviceView, viewChanges } from './view.js';

const netNames = (o: SwarmObserved): Record<string, string> => Object.fromEntries(Object.entries(o.networks).map(([n, id]) => [id, n]));

export function diffSwarmPool(observed: PoolObserved): DiffOutcome {
  const o = observed.swarm!;
  const names = netNames(o);
  const want = serviceView(o.desired, names);
  if (!o.service) return { action: 'create', changes: viewChanges(undefined, want).map(sensitiveRefs) };
  const have = serviceView(o.service.spec, names);
  const changes = viewChanges(have, want).map(sensitiveRefs);
  const missingNet = (o.desired.TaskTemplate as { Networks?: { Target: string }[] }).Networks?.some((n) => !Object.values(o.networks).includes(n.Target));
  if (changes.length === 0 && !missingNet) return { action: 'noop', changes: [] };
  const labels = (o.service.spec.Labels ?? {}) as Record<string, string>;
  const wanted = ((o.desired.Labels ?? {}) as Record<string, string>)[SPEC_LABEL];
  const drift = labels[SPEC_LABEL] === wanted;
  return { action: 'update', changes, ...(drift ? { reason: 'DriftDetected', message: `service ${String(o.desired.Name)} was changed outside driftless` } : {}) };
}

/** Secret and config names derive from their values: shown as changed, never with the names. */
function sensitiveRefs<T extends { path: string }>(c: T): T & { sensitive?: boolean } {
  return c.path === 'secrets' || c.path === 'configs' ? { path: c.path, sensitive: true } as T & { sensitive: boolean } : c;
}

/**
 * Healthy: the update (if any) completed and as many tasks run (and pass their health check) as desired.
 * Progressing: Swarm is updating or starting tasks. Degraded: fewer healthy tasks than desired and Swarm is not
 * working on it, or an update paused or rolled back.
 */
export function swarmPoolHealth(observed: PoolObserved): HealthReport {
  const o = observed.swarm!;
  if (!o.service) return { status: 'Missing', message: `no service ${String(o.desired.Name)} on SwarmCluster/${o.cluster}` };
  const healthy = o.tasks.filter((t) => t.state === 'running' && (t.health === undefined || t.health === 'healthy')).length;
  const state = o.service.updateState;
  if (state === 'paused' || state === 'rollback_paused') return { status: 'Degraded', message: `update ${state}: ${o.service.updateMessage ?? ''}`.trim() };
  if (state === 'updating' || state === 'rollback_started') return { status: 'Progressing', message: `${state}: ${healthy}/${o.desiredCount} tasks healthy` };
  if (healthy < o.desiredCount) {
    const starting = o.tasks.some((t) => ['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting'].includes(t.state) || t.health === 'starting');
    return { status: 'Degraded', message: `${healthy}/${o.desiredCount} tasks running and healthy${starting ? ', tasks starting' : ''}` };
  }
  if (state === 'rollback_completed') return { status: 'Degraded', message: `the last update was rolled back: ${o.service.updateMessage ?? ''}`.trim() };
  return { status: 'Healthy', message: `${healthy}/${o.desiredCount} tasks running and healthy` };
}
