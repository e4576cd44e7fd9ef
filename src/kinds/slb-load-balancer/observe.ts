/**
 * Observe one load balancer: found by its LoadBalancerName, or else by our tags (a crash between create and
 * record leaves a tagged instance behind, which is adopted, never duplicated). One carrying another driftless
 * installation's owner tag is refused, as is an ambiguous name. Credentials are resolved just before use.
 */
import { StalledError } from '../../errors.js';
import { DEFAULT_SLB_ENDPOINT, type SlbDriver } from '../../drivers/types.js';
import type { Resource } from '../../model/resource.js';
import { ownerId } from '../shared/machines/key-store.js';
import type { StateStore } from '../../store/index.js';
import { TAG } from '../shared/machines/tags.js';
import type { KindContext } from '../types.js';
import { resolveBackends } from './members.js';
import { lbName, type SlbLoadBalancerSpec, type SlbObserved } from './spec.js';

export const SLB_TAG = 'driftless:slb';

export async function slbDriverFor(res: Resource<SlbLoadBalancerSpec>, ctx: KindContext): Promise<SlbDriver> {
  const registry = ctx.drivers.slb;
  if (!registry) throw new StalledError('ReferenceInvalid', 'no aliyun slb driver is wired in this process');
  const a = res.spec.account;
  const to = { url: a.endpoint ?? DEFAULT_SLB_ENDPOINT };
  return registry.get({
    provider: 'aliyun',
    region: res.spec.region,
    accessKeyId: await ctx.secrets.resolve(a.accessKeyId, to),
    accessKeySecret: await ctx.secrets.resolve(a.accessKeySecret, to),
    ...(a.endpoint ? { endpoint: a.endpoint } : {}),
  });
}

export async function ourTags(res: Resource<SlbLoadBalancerSpec>, store: StateStore): Promise<Record<string, string>> {
  return { [TAG.owner]: await ownerId(store), [SLB_TAG]: res.metadata.name };
}

export async function findLoadBalancer(res: Resource<SlbLoadBalancerSpec>, driver: SlbDriver, tags: Record<string, string>): Promise<SlbObserved['lb']> {
  const found = await driver.find(lbName(res), tags);
  if (found.length > 1) {
    throw new StalledError('ReferenceInvalid', `${found.length} load balancers match name ${lbName(res)} (${found.map((l) => l.id).join(', ')}): rename or delete the extra ones`);
  }
  const lb = found[0];
  const owner = lb?.tags[TAG.owner];
  if (lb && owner !== undefined && owner !== tags[TAG.owner]) {
    throw new StalledError('ReferenceInvalid', `load balancer ${lb.id} (${lb.name}) belongs to another driftless installation (${owner})`);
  }
  return lb;
}

export async function observeSlb(res: Resource<SlbLoadBalancerSpec>, ctx: KindContext): Promise<SlbObserved> {
  const driver = await slbDriverFor(res, ctx);
  const tags = await ourTags(res, ctx.store);
  const [lb, members] = await Promise.all([findLoadBalancer(res, driver, tags), resolveBackends(res, ctx)]);
  const tagsMissing = lb !== undefined && Object.entries(tags).some(([k, v]) => lb.tags[k] !== v);
  return { ...(lb ? { lb, tagsMissing } : {}), backends: members.backends, unmapped: members.unmapped };
}
