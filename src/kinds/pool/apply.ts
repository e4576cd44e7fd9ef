/**
 * Applying a pool converges the hosts on the desired nodes, re-observing first so a re-run after a crash starts
 * from the truth on the hosts: every command of every job is rendered before anything runs, then surplus nodes
 * are shrunk, missing and stopped ones are created, and nodes with a stale spec are replaced in health-checked
 * batches bounded by maxUnavailable (see rolling.ts). Node failures whose causes were all transient (SSH down,
 * timeouts) are a TransientError so the engine retries; any other failure stalls until the revision changes.
 */
import { StalledError, TransientError } from '../../errors.js';
import type { Task } from '../../model/plan.js';
import type { Resource } from '../../model/resource.js';
import { hostTarget } from '../host/target.js';
import type { HostSpec } from '../host/spec.js';
import { renderCommand, type ResolvedStep } from '../task-template/resolve.js';
import type { KindContext } from '../types.js';
import { placementOf } from './diff.js';
import type { PoolHooks } from './hooks.js';
import { createNodeActions, loginHosts } from './node-actions.js';
import { observePool } from './observe.js';
import type { NodeSlot } from './placement.js';
import { resolveFlows } from './resolve.js';
import { rollingDeploy } from './rolling.js';
import { runAll, type NodeJob, type RunnerEnv } from './runner.js';
import type { PoolObserved, PoolSpec } from './spec.js';

/** The Pool's apply: converge on what the hosts show now, whatever the plan saw (see the file comment). */
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
    const message = `pool ${res.metadata.name}: ${failed.map((f) => `${f.node}: ${f.error}`).join('; ')}`;
    if (failed.every((f) => f.transient)) throw new TransientError('ApplyFailed', message);
    throw new StalledError('ApplyFailed', message);
  }
  if (plan.unplaced > 0) {
    throw new StalledError('ApplyFailed', `pool ${res.metadata.name}: ${plan.unplaced} node(s) could not be placed on ${observed.eligible.length} eligible host(s)`);
  }
  await rollingDeploy({ res, flows, queue: work.deploy, env, total: plan.desired, jobOf });
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
