/**
 * Apply a swarm-run pool: re-observe; a service whose version moved since the plan is a stale plan (re-planned by
 * the engine); then owned overlay networks and the secrets/configs of the current values are created, the service
 * is created or updated at the observed version (a concurrent change between read and write is the engine's
 * "update out of sequence": TransientError, retried, and the retry sees the new version as a stale plan), apply
 * waits until Swarm finished the rollout (every task running and healthy; a rollback or pause is FailedError),
 * and secrets/configs no spec references any more are removed. Every object carries the pool's owner label and a
 * deterministic name, so a re-run after a crash adopts what the crashed run made instead of duplicating it.
 */
import { parseDuration } from '../../../config/duration.js';
import { FailedError, PlanStaleError } from '../../../errors.js';
import type { SwarmEngine, SwarmRegistryAuth } from '../../../drivers/types.js';
import type { Task } from '../../../model/plan.js';
import type { Resource } from '../../../model/resource.js';
import { digestOf } from '../../../util/digest.js';
import { parseReference } from '../../../util/image-reference.js';
import type { KindContext } from '../../types.js';
import type { PoolObserved, PoolSpec } from '../spec.js';
import { buildServiceSpec, type ResolvedRefs } from './service-spec.js';
import { fileValues, specDigestOf, viewSwarmPool } from './observe.js';
import { OWNER_LABEL, type SwarmObserved } from './spec.js';
import { swarmPoolHealth } from './diff.js';

export async function applySwarmPool(task: Task<PoolSpec, PoolObserved>, ctx: KindContext): Promise<void> {
  const res = task.desired;
  const pool = res.metadata.name;
  const s = res.spec.swarm!;
  const view = await viewSwarmPool(res, ctx);
  const planned = task.observed?.swarm?.service;
  const now = view.observed.swarm!.service;
  if (planned && now && planned.version !== now.version) {
    throw new PlanStaleError(`pool ${pool}: service changed since the plan (version ${planned.version} -> ${now.version})`);
  }
  const engine = view.engine;
  const labels = { [OWNER_LABEL]: pool };
  const refs: ResolvedRefs = { ...view.refs };
  refs.networks = await Promise.all(
    refs.networks.map(async (n) =>
      n.id ? n : { name: n.name, id: await engine.createNetwork({ Name: n.name, Driver: 'overlay', Attachable: true, CheckDuplicate: true, Labels: labels }) },
    ),
  );
  const secretValues = await fileValues(s.secrets, view.managerAddress, ctx);
  const configValues = await fileValues(s.configs, view.managerAddress, ctx);
  refs.secrets = await Promise.all(refs.secrets.map(async (x) => (x.id ? x : { ...x, id: await engine.createSecret(x.name, secretValues.get(x.target) ?? '', labels) })));
  refs.configs = await Promise.all(refs.configs.map(async (x) => (x.id ? x : { ...x, id: await engine.createConfig(x.name, configValues.get(x.target) ?? '', labels) })));
  const netNames = Object.fromEntries(refs.networks.map((n) => [n.id ?? n.name, n.name]));
  const spec = buildServiceSpec(res, refs, specDigestOf(buildServiceSpec(res, refs, ''), netNames));
  const auth = await registryAuth(res, refs.image, ctx);
  // What the tasks looked like before: right after an update the old tasks still run healthy (before Swarm's
  // updater even set its state), so when the task template changed only tasks of another spec count as done.
  const before = now ? await oldTasks(engine, now.id, now.spec) : undefined;
  if (!now) {
    ctx.logger.info({ pool, image: refs.image }, 'swarm service create');
    await engine.createService(spec, auth);
  } else {
    ctx.logger.info({ pool, image: refs.image, version: now.version }, 'swarm service update');
    await engine.updateService(now.id, now.version, spec, auth);
  }
  await waitConverged(res, ctx, engine, view.observed.swarm!.desiredCount, before);
  await removeUnused(engine, pool, refs);
}

async function registryAuth(res: Resource<PoolSpec>, image: string, ctx: KindContext): Promise<SwarmRegistryAuth | undefined> {
  const a = res.spec.container.registryAuth;
  if (!a) return undefined;
  const registry = parseReference(image).registry;
  return { username: a.username, password: await ctx.secrets.resolve(a.password, { registry }), serveraddress: registry };
}

/**
 * Between two looks at the rollout: two small list calls on the manager over the driver's kept connection. Short
 * enough that the end is noticed ~0.1 s late on average; long enough not to load the manager's engine.
 */
const POLL_MS = 250;

/**
 * Waits until Swarm finished: Healthy, or an update that rolled back or paused (FailedError). Each look asks the
 * manager only for the service and its tasks (the driver keeps one SSH connection per host, so a look costs two
 * HTTP round trips, not two handshakes); only when those say done is the whole pool observed once more to confirm
 * (node readiness, global mode's node count), so the end of the rollout is noticed within POLL_MS.
 */
async function waitConverged(res: Resource<PoolSpec>, ctx: KindContext, engine: SwarmEngine, desiredCount: number, before: OldTasks | undefined): Promise<void> {
  const pool = res.metadata.name;
  const timeout = res.spec.swarm?.convergeTimeout ?? '5m';
  const deadline = Date.now() + parseDuration(timeout);
  for (;;) {
    ctx.signal.throwIfAborted();
    const quick = await quickLook(engine, pool, desiredCount, before);
    if (quick.done) {
      const o = (await viewSwarmPool(res, ctx)).observed;
      failOnRollback(pool, o.swarm as SwarmObserved);
      const h = swarmPoolHealth(o);
      if (h.status === 'Healthy') return;
      quick.message = h.message ?? h.status;
    }
    if (Date.now() > deadline) throw new FailedError('HealthCheckTimeout', `pool ${pool}: not converged in ${timeout}: ${quick.message}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The service's task template (as the engine returns it) and its running tasks' specs, before an update. */
interface OldTasks {
  template: string;
  specs: Set<string>;
}

async function oldTasks(engine: SwarmEngine, id: string, spec: Record<string, unknown>): Promise<OldTasks> {
  const tasks = await engine.tasks({ service: [id], 'desired-state': ['running'] });
  return { template: digestOf(spec.TaskTemplate ?? {}), specs: new Set(tasks.map((t) => t.specDigest)) };
}

/** Service update state and task health straight from the manager; throws on a rollback or pause. */
async function quickLook(engine: SwarmEngine, pool: string, desiredCount: number, before: OldTasks | undefined): Promise<{ done: boolean; message: string }> {
  const service = (await engine.services({ name: [pool] })).find((x) => x.name === pool);
  if (!service) return { done: false, message: 'service not listed yet' };
  failOnRollback(pool, { service } as unknown as SwarmObserved);
  const tasks = await engine.tasks({ service: [service.id], 'desired-state': ['running'] });
  // (A task's spec is not byte-equal to the template the engine returns, so old and new are told apart by the
  // specs of the tasks that ran before; an update that left the template alone replaces no task.)
  const changed = before !== undefined && digestOf(service.spec.TaskTemplate ?? {}) !== before.template;
  const current = tasks.filter((t) => !changed || !before.specs.has(t.specDigest));
  const healthy = current.filter((t) => t.state === 'running' && (t.health === undefined || t.health === 'healthy')).length;
  const updating = service.updateState === 'updating' || service.updateState === 'rollback_started';
  const message = `${updating ? `${service.updateState}: ` : ''}${healthy}/${desiredCount} tasks running and healthy`;
  return { done: !updating && healthy >= desiredCount, message };
}

function failOnRollback(pool: string, sw: SwarmObserved): void {
  const state = sw.service?.updateState;
  if (state === 'rollback_completed' || state === 'rollback_paused' || state === 'paused') {
    throw new FailedError('HealthCheckFailed', `pool ${pool}: Swarm ${state === 'paused' ? 'paused the update' : 'rolled the update back'}: ${sw.service?.updateMessage ?? 'no message'}`);
  }
}

/** Old secrets and configs of the pool (rotated values) that the service no longer references. */
async function removeUnused(engine: SwarmEngine, pool: string, refs: ResolvedRefs): Promise<void> {
  const filter = { label: [`${OWNER_LABEL}=${pool}`] };
  const keepS = new Set(refs.secrets.map((x) => x.name));
  const keepC = new Set(refs.configs.map((x) => x.name));
  for (const x of await engine.secrets(filter)) if (!keepS.has(x.name)) await engine.removeSecret(x.id);
  for (const x of await engine.configs(filter)) if (!keepC.has(x.name)) await engine.removeConfig(x.id);
}
