/**
 * The pools' service-discovery seam for SLB (OpenDCP's auto_alteration add/remove on an SLB): register adds a
 * node's instance as a backend once its health check passed; unregister marks the node draining and removes its
 * instance (when no other healthy node of the followed pools runs there) before the pool stops the node. Load
 * balancers not created yet are left to their own apply.
 */
import type { Resource } from '../../model/resource.js';
import { outOfRotation } from '../pool/public.js';
import type { DiscoveryHook, NodeRef } from '../pool/public.js';
import type { KindContext } from '../types.js';
import { workOf } from './diff.js';
import { observeSlb, slbDriverFor } from './observe.js';
import type { SlbLoadBalancerSpec } from './spec.js';

export function balancersFollowing(pools: Set<string>, ctx: KindContext): Resource<SlbLoadBalancerSpec>[] {
  return ctx.resources.list<SlbLoadBalancerSpec>('SlbLoadBalancer').filter((r) => (r.spec.backends?.pools ?? []).some((p) => pools.has(p.pool)));
}

/** Brings only the backend servers of one existing load balancer in line with membership. */
export async function syncBackends(res: Resource<SlbLoadBalancerSpec>, ctx: KindContext): Promise<void> {
  const o = await observeSlb(res, ctx);
  if (!o.lb) return;
  const w = workOf(res, o);
  const driver = await slbDriverFor(res, ctx);
  if (w.addBackends.length > 0) await driver.addBackends(o.lb.id, w.addBackends);
  if (w.removeBackends.length > 0) await driver.removeBackends(o.lb.id, w.removeBackends);
  if (w.setBackends.length > 0) await driver.setBackends(o.lb.id, w.setBackends);
}

export function createSlbDiscovery(): DiscoveryHook {
  const sync = async (nodes: NodeRef[], ctx: KindContext) => {
    const lbs = balancersFollowing(new Set(nodes.map((n) => n.pool)), ctx);
    await Promise.all(lbs.map((r) => syncBackends(r, ctx)));
  };
  return {
    async register(nodes, ctx) {
      await outOfRotation(ctx.store).delete(...nodes.map((n) => `${n.pool}/${n.name}`));
      await sync(nodes, ctx);
    },
    async unregister(nodes, ctx) {
      await outOfRotation(ctx.store).add(...nodes.map((n) => `${n.pool}/${n.name}`));
      await sync(nodes, ctx);
    },
  };
}

/** Several discovery types behind the pool's one seam (nginx and SLB), each told of every change. */
export function combineDiscovery(...hooks: DiscoveryHook[]): DiscoveryHook {
  return {
    async register(nodes, ctx) {
      for (const h of hooks) await h.register(nodes, ctx);
    },
    async unregister(nodes, ctx) {
      for (const h of hooks) await h.unregister(nodes, ctx);
    },
  };
}
