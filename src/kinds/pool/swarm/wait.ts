/**
 * Waiting for Swarm's rollout after a service create/update. Right after an update the old tasks still run
 * healthy and Swarm's updater may not have set its state yet, so "every task healthy" alone would end the wait
 * before the rollout began: when the task template changed, only tasks of a spec that did not run before count.
 * Each look is three list calls on the manager over the driver's kept SSH connection (a few milliseconds), so the
 * end is noticed within POLL_MS.
 */
import { parseDuration } from '../../../config/duration.js';
import { FailedError } from '../../../errors.js';
import type { SwarmEngine, SwarmService } from '../../../drivers/types.js';
import type { Resource } from '../../../model/resource.js';
import { digestOf } from '../../../util/digest.js';
import type { PoolSpec } from '../spec.js';

/**
 * Between two looks at the rollout: three small list calls on the manager over the driver's kept connection. Short
 * enough that the end is noticed ~0.1 s late on average; long enough not to load the manager's engine.
 */
const POLL_MS = 250;

/**
 * Waits until Swarm finished: Healthy, or an update that rolled back or paused (FailedError). Each look asks the
 * manager for the service, its tasks and the nodes at once (three list calls on the driver's kept connection, not
 * three SSH handshakes), so the end of the rollout is noticed within POLL_MS and a look costs a few milliseconds.
 */
export async function waitConverged(res: Resource<PoolSpec>, signal: AbortSignal, engine: SwarmEngine, before: OldTasks | undefined): Promise<void> {
  const pool = res.metadata.name;
  const timeout = res.spec.swarm?.convergeTimeout ?? '5m';
  const deadline = Date.now() + parseDuration(timeout);
  for (;;) {
    signal.throwIfAborted();
    const look = await lookAtRollout(engine, res, before);
    if (look.done) return;
    if (Date.now() > deadline) throw new FailedError('HealthCheckTimeout', `pool ${pool}: not converged in ${timeout}: ${look.message}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The service's task template (as the engine returns it) and its running tasks' specs, before an update. */
export interface OldTasks {
  template: string;
  specs: Set<string>;
}

export async function oldTasks(engine: SwarmEngine, id: string, spec: Record<string, unknown>): Promise<OldTasks> {
  const tasks = await engine.tasks({ service: [id], 'desired-state': ['running'] });
  return { template: digestOf(spec.TaskTemplate ?? {}), specs: new Set(tasks.map((t) => t.specDigest)) };
}

/**
 * Done when the update is not in progress and as many tasks of the current template run healthy, on ready
 * nodes, as desired (swarmPoolHealth's rule, on fresh lists); throws on a rollback or pause.
 */
export async function lookAtRollout(engine: SwarmEngine, res: Resource<PoolSpec>, before: OldTasks | undefined): Promise<{ done: boolean; message: string }> {
  const pool = res.metadata.name;
  const [services, nodes] = await Promise.all([engine.services({ name: [pool] }), engine.nodes()]);
  const service = services.find((x) => x.name === pool);
  if (!service) return { done: false, message: 'service not listed yet' };
  failOnRollback(pool, service);
  const tasks = await engine.tasks({ service: [service.id], 'desired-state': ['running'] });
  // A task's spec is not byte-equal to the template the engine returns, so old and new are told apart by the
  // specs of the tasks that ran before; an update that left the template alone replaces no task.
  const changed = before !== undefined && digestOf(service.spec.TaskTemplate ?? {}) !== before.template;
  const ready = new Set(nodes.filter((n) => n.state === 'ready').map((n) => n.id));
  const healthy = tasks.filter(
    (t) => (!changed || !before.specs.has(t.specDigest)) && t.state === 'running' && ready.has(t.nodeId ?? '') && (t.health === undefined || t.health === 'healthy'),
  ).length;
  const desired = (res.spec.swarm?.mode ?? 'replicated') === 'global' ? nodes.filter((n) => n.state === 'ready' && n.availability === 'active').length : (res.spec.replicas ?? 1);
  const updating = service.updateState === 'updating' || service.updateState === 'rollback_started';
  const message = `${updating ? `${service.updateState}: ` : ''}${healthy}/${desired} tasks running and healthy`;
  return { done: !updating && healthy >= desired, message };
}

function failOnRollback(pool: string, service: SwarmService): void {
  const state = service.updateState;
  if (state === 'rollback_completed' || state === 'rollback_paused' || state === 'paused') {
    throw new FailedError('HealthCheckFailed', `pool ${pool}: Swarm ${state === 'paused' ? 'paused the update' : 'rolled the update back'}: ${service.updateMessage ?? 'no message'}`);
  }
}
