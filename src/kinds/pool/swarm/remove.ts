/**
 * Pruning a swarm-run pool (only when the prune policy allows it): the service goes, then the networks, secrets
 * and configs driftless made for it (found by the owner label, so nothing else is touched). A manager that does
 * not answer fails the removal and the inventory keeps the entry.
 */
import type { Resource } from '../../../model/resource.js';
import { swarmManager } from '../../swarm-cluster/public.js';
import type { KindContext } from '../../types.js';
import type { PoolSpec } from '../spec.js';
import { OWNER_LABEL } from './spec.js';

export async function removeSwarmPool(res: Resource<PoolSpec>, ctx: KindContext): Promise<void> {
  const pool = res.metadata.name;
  const { engine } = await swarmManager(res.spec.swarm!.cluster, ctx);
  const filter = { label: [`${OWNER_LABEL}=${pool}`] };
  for (const svc of await engine.services({ name: [pool] })) if (svc.name === pool) await engine.removeService(svc.id);
  for (const x of await engine.secrets(filter)) await engine.removeSecret(x.id);
  for (const x of await engine.configs(filter)) await engine.removeConfig(x.id);
  for (const n of await engine.networks(filter)) await engine.removeNetwork(n.id).catch(() => undefined);
}
