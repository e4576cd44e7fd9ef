/**
 * Pruning a pool removed from Git (only when the prune policy allows it): every node it left on hosts that are
 * still declared goes through the shrink flow — the pool's recorded shrink template when it is still declared,
 * else the default (unregister, stop_service). A host that does not answer fails the removal, so the inventory
 * keeps the entry and the next run tries again; nodes are never forgotten silently. Machines the pool made (found
 * by its tags) are stopped and deleted once their nodes are gone.
 */
import { StalledError, TransientError } from '../../errors.js';
import type { InventoryEntry } from '../../model/inventory.js';
import type { Resource } from '../../model/resource.js';
import { resolveSteps } from '../shared/steps.js';
import { DEFAULT_STEPS } from '../task-template/public.js';
import type { KindContext } from '../types.js';
import type { PoolHooks } from './hooks.js';
import { createNodeActions } from './builtin-steps.js';
import { releaseMachines } from './machines.js';
import { viewPool } from './observe.js';
import { resolveFlows } from './resolve.js';
import { runFlow, type NodeJob } from './flow-runner.js';
import type { PoolSpec } from './spec.js';

/** Removes every node of a pool that was deleted from Git (prune), then returns the machines it made. */
export async function removePool(entry: InventoryEntry, ctx: KindContext, hooks: PoolHooks): Promise<void> {
  const res = entry.resource as Resource<PoolSpec>;
  const view = await viewPool(res, ctx, hooks, true);
  const seen = view.observed.hosts;
  const down = seen.filter((h) => !h.reachable);
  if (down.length > 0) {
    throw new TransientError('Unreachable', `pool ${res.metadata.name}: cannot remove nodes from ${down.map((h) => `${h.host} (${h.error ?? 'unknown'})`).join(', ')}`);
  }
  const resolved = resolveFlows(res.spec, ctx.resources);
  const steps = resolved.templateProblems.length === 0 ? resolved.flows.shrink : resolveSteps(DEFAULT_STEPS.shrink, ctx.resources).steps;
  const env = { ctx, hooks, builtins: createNodeActions(res, '', ctx), machineBacked: view.template !== undefined };
  const jobs: NodeJob[] = [];
  for (const h of seen) {
    const host = view.hosts.get(h.host);
    if (!host?.target) continue;
    for (const n of h.nodes) {
      const node = { name: n.name, host: n.host, address: host.address, ordinal: n.ordinal };
      jobs.push({
        target: host.target,
        vars: { pool: res.metadata.name, service: res.spec.service, image: '', node },
        ref: { pool: res.metadata.name, service: res.spec.service, name: n.name, host: n.host, address: host.address, ports: [] },
      });
    }
  }
  const results = await Promise.all(jobs.map((j) => runFlow(steps, j, env)));
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) {
    throw new StalledError('PruneFailed', `pool ${res.metadata.name}: ${failed.map((f) => `${f.node}: ${f.error}`).join('; ')}`);
  }
  await releaseMachines(res.metadata.name, view, (view.observed.machines ?? []).map((m) => m.name), hooks, ctx);
}
