/**
 * Applying a pool converges the hosts on the desired nodes, re-observing first so a re-run after a crash starts
 * from the truth on the hosts: every command of every job is rendered before anything runs, then surplus nodes
 * are shrunk, missing and stopped ones are created, and nodes with a stale spec are replaced in health-checked
 * batches bounded by maxUnavailable. The rollout stops when failures exceed maxFailureRatio and leaves the nodes
 * it has not reached on the previous spec.
 */
import { StalledError, WaitingError } from '../../errors.js';
import type { Task } from '../../model/plan.js';
import type { Resource } from '../../model/resource.js';
import { hostTarget } from '../host/target.js';
import type { HostSpec } from '../host/spec.js';
import { renderCommand, type ResolvedStep } from '../task-template/resolve.js';
import type { KindContext } from '../types.js';
import { placementOf } from './diff.js';
import type { PoolHooks } from './hooks.js';
import { createNodeActions, loginHosts } from './node-actions.js';
import { knownNodes, observePool } from './observe.js';
import { placeNodes, type NodeSlot } from './placement.js';
import { resolveFlows, type PoolFlows } from './resolve.js';
import { failureExceeded, nextBatchSize, resolveCount } from './rollout.js';
import { runFlow, type FlowResult, type NodeJob, type RunnerEnv } from './runner.js';
import type { PoolObserved, PoolSpec } from './spec.js';

export async function applyPool(task: Task<PoolSpec, PoolObserved>, ctx: KindContext, hooks: PoolHooks): Promise<void> {
  const res = task.desired;
  const { flows, problems: own, templateProblems } = resolveFlows(res.spec, ctx.resources);
  const problems = [...own, ...templateProblems];
  if (problems.length > 0) throw new StalledError('ApplyFailed', `pool ${res.metadata.name}: ${problems.join('; ')}`);
  const observed = await observePool(res, ctx);
  const plan = placementOf(res, observed);
  const jobOf = jobFactory(res, observed, ctx);
  const env: RunnerEnv = { ctx, hooks, builtins: createNodeActions(res, observed.specDigest, ctx) };
  const work = {
    shrink: await Promise.all(plan.remove.map((n) => jobOf(n))),
    restore: await Promise.all(plan.restore.map((n) => jobOf(n))),
    expand: await Promise.all(plan.create.map((n) => jobOf(n))),
    deploy: await Promise.all(plan.stale.map((n) => jobOf(n))),
  };
  preflight([
    [flows.shrink, work.shrink],
    [flows.deploy, work.restore],
    [flows.expand, work.expand],
    [flows.deploy, work.deploy],
  ]);
  if (work.restore.length + work.expand.length + work.deploy.length > 0) await loginEligible(res, observed, ctx);
  const log = ctx.logger.child({ pool: res.metadata.name });
  log.info({ remove: work.shrink.length, restore: work.restore.length, create: work.expand.length, deploy: work.deploy.length }, 'pool converging');
  const first = [
    ...(await runAll(flows.shrink, work.shrink, env)),
    ...(await runAll(flows.deploy, work.restore, env)),
    ...(await runAll(flows.expand, work.expand, env)),
  ];
  const failed = first.filter((r) => !r.ok);
  if (failed.length > 0) {
    throw new StalledError('ApplyFailed', `pool ${res.metadata.name}: ${failed.map((f) => `${f.node}: ${f.error}`).join('; ')}`);
  }
  if (plan.unplaced > 0) {
    throw new StalledError('ApplyFailed', `pool ${res.metadata.name}: ${plan.unplaced} node(s) could not be placed on ${observed.eligible.length} eligible host(s)`);
  }
  await rollingDeploy({ res, flows, queue: work.deploy, env, total: plan.desired, jobOf });
}

interface Rollout {
  res: Resource<PoolSpec>;
  flows: PoolFlows;
  queue: NodeJob[];
  env: RunnerEnv;
  total: number;
  jobOf: (n: NodeSlot) => Promise<NodeJob>;
}

/**
 * Replaces stale nodes batch by batch; each batch's flow ends with its health check before the next starts. With
 * maxSurge (fixed mode), a batch first starts new nodes in new slots and retires as many stale ones once those
 * are healthy, so nothing goes down; when no slot is free it falls back to replacing in place.
 */
async function rollingDeploy(r: Rollout): Promise<void> {
  const { res, flows, queue, env, total } = r;
  const rollout = res.spec.rollout ?? {};
  const pending = [...queue];
  let rolled = 0;
  let failed = 0;
  const errors: string[] = [];
  while (pending.length > 0) {
    const now = await observePool(res, env.ctx);
    const unavailable = knownNodes(now).filter((n) => n.state !== 'running' || n.healthy === false).length;
    const surge = res.spec.mode === 'fixed' ? resolveCount(rollout.maxSurge, total, 0, 'up') : 0;
    const surgeSlots = surge > 0 ? surgePlacement(res, now, Math.min(surge, nextBatchSize(rollout, total, rolled, 0, pending.length))) : [];
    let results: FlowResult[];
    if (surgeSlots.length > 0) {
      const fresh = await Promise.all(surgeSlots.map((s) => r.jobOf(s)));
      const retire = pending.splice(0, fresh.length);
      env.ctx.logger.info({ pool: res.metadata.name, start: fresh.map((j) => j.ref.name), retire: retire.map((j) => j.ref.name) }, 'pool surge batch');
      results = await runAll(flows.expand, fresh, env);
      const healthy = results.filter((x) => x.ok).length;
      results.push(...(await runAll(flows.shrink, retire.slice(0, healthy), env)));
      pending.unshift(...retire.slice(healthy));
      rolled += fresh.length;
    } else {
      const size = nextBatchSize(rollout, total, rolled, unavailable, pending.length);
      if (size === 0) {
        throw new WaitingError('HealthCheckFailed', `pool ${res.metadata.name}: ${unavailable} node(s) unavailable, maxUnavailable reached; ${pending.length} node(s) wait for the rollout`);
      }
      const batch = pending.splice(0, size);
      env.ctx.logger.info({ pool: res.metadata.name, batch: batch.map((j) => j.ref.name) }, 'pool rollout batch');
      results = await runAll(flows.deploy, batch, env);
      rolled += batch.length;
    }
    for (const r of results.filter((x) => !x.ok)) {
      failed++;
      errors.push(`${r.node}: ${r.error}`);
    }
    if (failureExceeded(failed, rolled, rollout.maxFailureRatio)) {
      throw new StalledError(
        'HealthCheckFailed',
        `pool ${res.metadata.name}: rollout stopped after ${rolled} of ${queue.length} node(s), ${failed} failed (${errors.join('; ')}); ${pending.length} node(s) left on the previous spec`,
      );
    }
  }
}

/** New slots for a surge batch: placement as if the pool were `extra` nodes larger. */
function surgePlacement(res: Resource<PoolSpec>, now: PoolObserved, extra: number): NodeSlot[] {
  const nodes = knownNodes(now);
  return placeNodes({
    spec: { ...res.spec, replicas: nodes.length + extra },
    pool: res.metadata.name,
    eligible: now.eligible,
    nodes,
    specDigest: now.specDigest,
  }).create;
}

async function runAll(steps: ResolvedStep[], jobs: NodeJob[], env: RunnerEnv): Promise<FlowResult[]> {
  return Promise.all(jobs.map((job) => runFlow(steps, job, env)));
}

/** Renders every command for every job before anything runs: an undefined parameter stops the apply untouched. */
function preflight(groups: [ResolvedStep[], NodeJob[]][]): void {
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

async function loginEligible(res: Resource<PoolSpec>, observed: PoolObserved, ctx: KindContext): Promise<void> {
  const hosts = await Promise.all(
    observed.eligible.map(async (name) => {
      const host = ctx.resources.get<HostSpec>('Host', name);
      if (!host) throw new StalledError('ReferenceInvalid', `pool ${res.metadata.name}: Host/${name} is not declared`);
      return { name, target: await hostTarget(host, ctx.secrets) };
    }),
  );
  await loginHosts(res, observed.image, hosts, ctx);
}

function jobFactory(res: Resource<PoolSpec>, observed: PoolObserved, ctx: KindContext): (n: NodeSlot) => Promise<NodeJob> {
  const ports = (res.spec.container.ports ?? []).map((p) => p.host ?? p.container);
  return async (n) => {
    const host = ctx.resources.get<HostSpec>('Host', n.host);
    if (!host) throw new StalledError('ReferenceInvalid', `pool ${res.metadata.name}: Host/${n.host} is not declared`);
    const node = { name: n.name, host: n.host, address: host.spec.address, ordinal: n.ordinal };
    return {
      target: await hostTarget(host, ctx.secrets),
      vars: { pool: res.metadata.name, service: res.spec.service, image: observed.image, node },
      ref: { pool: res.metadata.name, service: res.spec.service, name: n.name, host: n.host, address: host.spec.address, ports },
    };
  };
}
