/**
 * The public face of the SwarmCluster kind for other kinds (pools with `runtime: swarm`): find a manager of a
 * declared cluster to talk to, and name nodes by the host they were joined from.
 */
import { StalledError, TransientError } from '../../errors.js';
import type { SwarmEngine } from '../../drivers/types.js';
import type { KindContext } from '../types.js';
import { declaredMembers } from './observe.js';
import type { SwarmClusterSpec } from './spec.js';

export { HOST_LABEL } from './spec.js';
export type { SwarmClusterSpec } from './spec.js';

/** A manager of the cluster: the first declared manager whose engine has control. */
export async function swarmManager(cluster: string, ctx: KindContext): Promise<{ engine: SwarmEngine; host: string; address: string }> {
  const res = ctx.resources.get<SwarmClusterSpec>('SwarmCluster', cluster);
  if (!res) throw new StalledError('ReferenceInvalid', `SwarmCluster/${cluster} is not declared`);
  const swarm = ctx.drivers.swarm;
  if (!swarm) throw new StalledError('ObserveFailed', 'this driftless process has no swarm driver');
  const errors: string[] = [];
  for (const { host, node } of await declaredMembers(res, ctx)) {
    if (node.role !== 'manager') continue;
    const engine = swarm.engine(host.target);
    try {
      if ((await engine.local()).controlAvailable) return { engine, host: host.name, address: host.address };
      errors.push(`${host.name}: not a manager yet`);
    } catch (err) {
      errors.push(`${host.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw new TransientError('Unreachable', `SwarmCluster/${cluster}: no manager answers (${errors.join('; ') || 'none declared'})`);
}
