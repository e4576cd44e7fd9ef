/**
 * The pool's service-discovery seam, for nginx (OpenDCP's auto_alteration add/remove, as a reconciler): register
 * republishes every unit whose upstreams follow the node's pool, now that its health check passed; unregister
 * marks the node draining, republishes without it and waits until the reload took effect and the old workers
 * finished, so the pool stops the node only after nginx stopped sending it requests. Units never published yet
 * are left to their own apply (they come later in the plan).
 */
import type { Resource } from '../../model/resource.js';
import type { NginxUpstreamSpec } from '../nginx-upstream/public.js';
import { outOfRotation } from '../pool/public.js';
import type { DiscoveryHook, NodeRef } from '../pool/public.js';
import type { KindContext } from '../types.js';
import { publishUnit } from './publish.js';
import type { NginxUnitSpec } from './spec.js';

/** Units publishing an upstream that follows one of these pools. */
export function unitsFollowing(pools: Set<string>, ctx: KindContext): Resource<NginxUnitSpec>[] {
  const follows = (name: string) =>
    (ctx.resources.get<NginxUpstreamSpec>('NginxUpstream', name)?.spec.pools ?? []).some((p) => pools.has(p.pool));
  return ctx.resources.list<NginxUnitSpec>('NginxUnit').filter((u) => (u.spec.upstreams ?? []).some(follows));
}

export function createNginxDiscovery(): DiscoveryHook {
  const republish = async (nodes: NodeRef[], ctx: KindContext, verb: 'register' | 'unregister') => {
    const units = unitsFollowing(new Set(nodes.map((n) => n.pool)), ctx);
    const cause = `${verb} ${nodes.map((n) => `Pool/${n.pool} node ${n.name}`).join(', ')}`;
    await Promise.all(units.map((u) => publishUnit(u, ctx, { cause, drain: verb === 'unregister', onlyIfPublished: true })));
  };
  return {
    async register(nodes, ctx) {
      await outOfRotation(ctx.store).delete(...nodes.map((n) => `${n.pool}/${n.name}`));
      await republish(nodes, ctx, 'register');
    },
    async unregister(nodes, ctx) {
      await outOfRotation(ctx.store).add(...nodes.map((n) => `${n.pool}/${n.name}`));
      await republish(nodes, ctx, 'unregister');
    },
  };
}
