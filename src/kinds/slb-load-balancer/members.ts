/**
 * Backend servers derived from pool membership, never edited by hand: every node of the followed pools that is
 * running, passed its health check and is not draining puts its host's ECS instance in (the host's instance-id
 * label, the spec's explicit mapping, or for a machine the pool made on Aliyun its instance id), plus static servers. Several nodes on one instance make one backend;
 * the highest weight asked for wins.
 */
import type { SlbBackend } from '../../drivers/types.js';
import type { Resource } from '../../model/resource.js';
import type { HostSpec } from '../host/public.js';
import { memberHooks } from '../nginx-upstream/public.js';
import { outOfRotation } from '../pool/public.js';
import { knownNodes, type PoolHost, type PoolSpec, viewPool } from '../pool/public.js';
import type { KindContext } from '../types.js';
import { DEFAULT_WEIGHT, INSTANCE_ID_LABEL, type SlbLoadBalancerSpec } from './spec.js';
import { StalledError } from '../../errors.js';

export interface Members {
  backends: SlbBackend[];
  unmapped: string[];
}

/** The ECS instance behind a node's host: the spec's mapping, the Host's label, or the pool's Aliyun machine. */
export function instanceIdOf(hostName: string, spec: SlbLoadBalancerSpec, ctx: Pick<KindContext, 'resources'>, poolHost?: PoolHost): string | undefined {
  const explicit = spec.backends?.instanceIds?.[hostName];
  if (explicit) return explicit;
  const host = ctx.resources.get<HostSpec>('Host', hostName);
  if (host) return host.metadata.labels?.[INSTANCE_ID_LABEL];
  return poolHost?.machine && poolHost.instance?.provider === 'aliyun' ? poolHost.instance.id : undefined;
}

export async function resolveBackends(res: Resource<SlbLoadBalancerSpec>, ctx: KindContext): Promise<Members> {
  const spec = res.spec;
  const weights = new Map<string, number>();
  const put = (id: string, w: number) => weights.set(id, Math.max(w, weights.get(id) ?? 0));
  for (const s of spec.backends?.servers ?? []) put(s.instanceId, s.weight ?? DEFAULT_WEIGHT);
  const unmapped: string[] = [];
  const drain = await outOfRotation(ctx.store).keys();
  for (const src of spec.backends?.pools ?? []) {
    const pool = ctx.resources.get<PoolSpec>('Pool', src.pool);
    if (!pool) throw new StalledError('ReferenceInvalid', `Pool/${src.pool} is not declared`);
    const view = await viewPool(pool, ctx, memberHooks);
    for (const node of knownNodes(view.observed)) {
      if (node.state !== 'running' || node.healthy === false || drain.has(`${src.pool}/${node.name}`)) continue;
      const id = instanceIdOf(node.host, spec, ctx, view.hosts.get(node.host));
      if (id) put(id, src.weight ?? DEFAULT_WEIGHT);
      else unmapped.push(`Pool/${src.pool} node ${node.name} on Host/${node.host}`);
    }
  }
  const backends = [...weights].map(([instanceId, weight]) => ({ instanceId, weight })).sort((a, b) => (a.instanceId < b.instanceId ? -1 : 1));
  return { backends, unmapped };
}
