/**
 * Apply a swarm-run pool: re-observe; a service whose version moved since the plan is a stale plan (re-planned by
 * the engine); then owned overlay networks and the secrets/configs of the current values are created, the service
 * is created or updated at the observed version (a concurrent change between read and write is the engine's
 * "update out of sequence": TransientError, retried, and the retry sees the new version as a stale plan), apply
 * waits until Swarm finished the rollout (every task running and healthy; a rollback or pause is FailedError),
 * and secrets/configs no spec references any more are removed. Every object carries the pool's owner label and a
 * deterministic name, so a re-run after a crash adopts what the crashed run made instead of duplicating it.
 */
import { PlanStaleError } from '../../../errors.js';
import type { SwarmEngine, SwarmRegistryAuth } from '../../../drivers/types.js';
import type { Task } from '../../../model/plan.js';
import type { Resource } from '../../../model/resource.js';
import { parseReference } from '../../../util/image-reference.js';
import type { KindContext } from '../../types.js';
import type { PoolObserved, PoolSpec } from '../spec.js';
import { buildServiceSpec, type ResolvedRefs } from './service-spec.js';
import { fileValues, specDigestOf, viewSwarmPool } from './observe.js';
import { OWNER_LABEL } from './spec.js';
import { oldTasks, waitConverged } from './wait.js';

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
  await waitConverged(res, ctx.signal, engine, before);
  await removeUnused(engine, pool, refs);
}

async function registryAuth(res: Resource<PoolSpec>, image: string, ctx: KindContext): Promise<SwarmRegistryAuth | undefined> {
  const a = res.spec.container.registryAuth;
  if (!a) return undefined;
  const registry = parseReference(image).registry;
  return { username: a.username, password: await ctx.secrets.resolve(a.password, { registry }), serveraddress: registry };
}

/** Old secrets and configs of the pool (rotated values) that the service no longer references. */
async function removeUnused(engine: SwarmEngine, pool: string, refs: ResolvedRefs): Promise<void> {
  const filter = { label: [`${OWNER_LABEL}=${pool}`] };
  const keepS = new Set(refs.secrets.map((x) => x.name));
  const keepC = new Set(refs.configs.map((x) => x.name));
  const [secrets, configs] = await Promise.all([engine.secrets(filter), engine.configs(filter)]);
  for (const x of secrets) if (!keepS.has(x.name)) await engine.removeSecret(x.id);
  for (const x of configs) if (!keepC.has(x.name)) await engine.removeConfig(x.id);
}
