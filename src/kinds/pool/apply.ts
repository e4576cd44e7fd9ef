/**
 * Applying a pool converges the hosts on the desired nodes, re-observing first so a re-run after a crash starts
 * from the truth on the hosts: every command of every job is rendered before anything runs, then surplus nodes
 * are shrunk, missing and stopped ones are created, and nodes with a stale spec are replaced in health-checked
 * batches bounded by maxUnavailable (see rolling-deploy.ts). Node failures whose causes were all transient (SSH down,
 * timeouts) are a TransientError so the engine retries; one a human must fix stalls; a step that ran and failed
 * (a command's exit status) is a FailedError: the run is Failed and the next one tries again.
 */
import { FailedError, PlanStaleError, StalledError, TransientError } from '../../errors.js';
import type { Task } from '../../model/plan.js';
import type { Resource } from '../../model/resource.js';
import { renderCommand, type ResolvedStep } from '../shared/steps.js';
import { perHost } from './placement.js';
import type { KindContext } from '../types.js';
import { placementDrift, placementOf } from './diff.js';
import type { NodeRef, PoolHooks } from './hooks.js';
import { requireBuilt } from './image.js';
import { createNodeActions, loginHosts } from './builtin-steps.js';
import { releaseMachines, provisionSlots } from './machines.js';
import { knownNodes, viewPool, type PoolView } from './observe.js';
import type { NodeSlot, PlacementPlan } from './placement.js';
import { resolveFlows } from './resolve.js';
import { restartNodes, settleRestarts } from './managed-restarts.js';
import { rollingDeploy } from './rolling-deploy.js';
import { runAll, type NodeJob, type RunnerEnv } from './flow-runner.js';
import type { NodeObserved, PoolObserved, PoolSpec } from './spec.js';
import { outOfRotation } from './rotation.js';

/** The Pool's apply: converge on what the hosts show now, whatever the plan saw (see the file comment). */
export async function applyPool(task: Task<PoolSpec, PoolObserved>, ctx: KindContext, hooks: PoolHooks): Promise<void> {
  const res = task.desired;
  const pool = res.metadata.name;
  const { flows, problems: own, templateProblems } = resolveFlows(res.spec, ctx.resources);
  const problems = [...own, ...templateProblems];
  if (problems.length > 0) throw new StalledError('ApplyFailed', `pool ${pool}: ${problems.join('; ')}`);
  const view = await viewPool(res, ctx, hooks, true);
  const { observed } = view;
  requireBuilt(pool, observed.imageSource);
  const plan = placementOf(res, observed);
  const drift = task.observed ? placementDrift(placementOf(res, task.observed), plan) : undefined;
  if (drift) throw new PlanStaleError(`pool ${pool}: the hosts changed since the plan (${drift})`);
  const jobOf = jobFactory(res, view);
  const env: RunnerEnv = { ctx, hooks, builtins: createNodeActions(res, observed.specDigest, ctx), machineBacked: view.template !== undefined };
  const work = {
    shrink: plan.remove.map((n) => jobOf(n)),
    restore: plan.restore.filter((n) => !n.restart).map((n) => jobOf(n)),
    deploy: plan.stale.map((n) => jobOf(n)),
  };
  preflight([
    [flows.shrink, work.shrink],
    [flows.deploy, work.restore],
    [flows.expand, plan.create.map((n) => draftOf(res, view, n))],
    [flows.deploy, work.deploy],
  ]);
  const log = ctx.logger.child({ pool });
  log.info({ remove: work.shrink.length, restore: work.restore.length, create: plan.create.length, deploy: work.deploy.length, release: plan.release.length }, 'pool converging');
  const first = await runAll(flows.shrink, work.shrink, env);
  if (first.every((r) => r.ok)) await releaseMachines(pool, view, plan.release, hooks, ctx);
  const ready = await provisionSlots(pool, view, plan.create, hooks, ctx);
  const expand = ready.slots.map((n) => jobOf(n));
  if (work.restore.length + expand.length + work.deploy.length > 0) await loginEligible(res, view, ctx);
  first.push(...(await runAll(flows.deploy, work.restore, env)), ...(await runAll(flows.expand, expand, env)));
  const restarts = await restartNodes(res, plan.restore, observed.hosts.every((h) => h.reachable) ? knownNodes(observed) : undefined, (h) => view.hosts.get(h)?.target, ctx);
  first.push(...restarts.results);
  const failed = first.filter((r) => !r.ok);
  if (failed.length > 0) {
    const message = `pool ${pool}: ${failed.map((f) => `${f.node}: ${f.error}`).join('; ')}`;
    // One rule for every kind: a human must act only when some node's cause says so (stalled); a step that ran
    // and failed makes the run Failed (exit 3, retried by the next run); all-transient is retried within the run.
    if (failed.some((f) => f.disposition === 'stalled')) throw new StalledError('ApplyFailed', message);
    if (failed.every((f) => f.disposition === 'transient')) throw new TransientError('ApplyFailed', message);
    throw new FailedError('ApplyFailed', message);
  }
  if (ready.quotaMessage) throw new StalledError('QuotaExceeded', `pool ${pool}: ${ready.quotaMessage}`);
  if (plan.unplaced > 0) {
    const limit = perHost(res.spec);
    const why = Number.isFinite(limit) ? ` at most ${limit} per host${limit === 1 && res.spec.mode === 'fixed' && res.spec.maxPerHost === undefined ? ' (host networking shares the host\'s ports)' : ''}` : '';
    throw new StalledError('ApplyFailed', `pool ${pool}: ${plan.unplaced} node(s) could not be placed on ${observed.eligible.length} eligible host(s)${why}`);
  }
  const startedFrom = { observed, removed: plan.remove.map((n) => n.name) };
  await rollingDeploy({ res, flows, queue: work.deploy, env, total: plan.desired, jobOf: async (n) => jobOf(n), startedFrom });
  await registerHeld(res, observed, plan, (n) => jobOf(n).ref, hooks, ctx);
  settleRestarts(pool, restarts);
}

/**
 * Nodes a flow left out of rotation (it failed before `register`) that are running, healthy and current now: this
 * run registers them; keys of nodes this run removed are forgotten.
 */
async function registerHeld(
  res: Resource<PoolSpec>,
  observed: PoolObserved,
  plan: PlacementPlan,
  refOf: (n: NodeObserved) => NodeRef,
  hooks: PoolHooks,
  ctx: KindContext,
): Promise<void> {
  await outOfRotation(ctx.store).delete(...plan.remove.map((n) => `${res.metadata.name}/${n.name}`));
  const touched = new Set([...plan.remove, ...plan.restore, ...plan.stale].map((n) => n.name));
  const held = knownNodes(observed).filter((n) => observed.held?.includes(n.name) && !touched.has(n.name));
  if (held.length === 0 || !hooks.discovery) return;
  ctx.logger.info({ pool: res.metadata.name, nodes: held.map((n) => n.name) }, 'registering nodes their flow left out of rotation');
  await hooks.discovery.register(held.map(refOf), ctx);
}

/** Renders every command for every job before anything runs: an undefined parameter stops the apply untouched. */
function preflight(groups: [ResolvedStep[], Pick<NodeJob, 'ref' | 'vars'>[]][]): void {
  const problems: string[] = [];
  for (const [steps, jobs] of groups) {
    for (const job of jobs) {
      for (const step of steps) {
        for (const cmd of step.commands) {
          try {
            renderCommand(step, cmd, job.vars);
          } catch (err) {
            problems.push(`${job.ref.name}: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
      }
    }
  }
  if (problems.length > 0) throw new StalledError('ApplyFailed', `nothing was run: ${[...new Set(problems)].join('; ')}`);
}

async function loginEligible(res: Resource<PoolSpec>, view: PoolView, ctx: KindContext): Promise<void> {
  const hosts = [...view.hosts.values()].flatMap((h) => (h.target && (view.observed.eligible.includes(h.name) || h.machine) ? [{ name: h.name, target: h.target }] : []));
  await loginHosts(res, view.observed.image, hosts, ctx);
}

/** A node's variables and reference; the address is empty while its machine does not exist yet. */
function draftOf(res: Resource<PoolSpec>, view: PoolView, n: NodeSlot): Pick<NodeJob, 'ref' | 'vars'> {
  const ports = (res.spec.container.ports ?? []).map((p) => p.host ?? p.container);
  const address = view.hosts.get(n.host)?.address ?? '';
  const node = { name: n.name, host: n.host, address, ordinal: n.ordinal };
  return {
    vars: { pool: res.metadata.name, service: res.spec.service, image: view.observed.image, node },
    ref: { pool: res.metadata.name, service: res.spec.service, name: n.name, host: n.host, address, ports },
  };
}

function jobFactory(res: Resource<PoolSpec>, view: PoolView): (n: NodeSlot) => NodeJob {
  return (n) => {
    const target = view.hosts.get(n.host)?.target;
    if (!target) throw new StalledError('ReferenceInvalid', `pool ${res.metadata.name}: host ${n.host} is not declared or not reachable`);
    return { target, ...draftOf(res, view, n) };
  };
}
