/**
 * Observe a SwarmCluster: each declared member's engine says what swarm it is in (`docker info`), then a manager
 * lists the nodes (`docker node ls`). Managers that answer `docker info` but cannot list nodes mean the swarm has
 * no leader: that is "could not tell", so observe throws (StalledError naming the managers) and nothing is applied.
 */
import { StalledError } from '../../errors.js';
import type { Resource } from '../../model/resource.js';
import { resolveHosts, type ResolvedHost } from '../shared/hosts.js';
import type { KindContext } from '../types.js';
import { AVAILABILITY_LABEL, CLUSTER_LABEL, HOST_LABEL, type DesiredNode, type MemberObserved, type SwarmClusterObserved, type SwarmClusterSpec } from './spec.js';

const AVAILABILITIES = new Set(['active', 'pause', 'drain']);

/** The node a declared host should be: role from the declaration, labels and availability from its host labels. */
export function desiredNode(cluster: string, host: ResolvedHost, role: DesiredNode['role']): DesiredNode {
  const wanted = host.labels[AVAILABILITY_LABEL];
  const labels = Object.fromEntries(Object.entries(host.labels).filter(([k]) => !k.startsWith('driftless.dev/')));
  return {
    name: host.name,
    role,
    availability: (wanted && AVAILABILITIES.has(wanted) ? wanted : 'active') as DesiredNode['availability'],
    labels: { ...labels, [CLUSTER_LABEL]: cluster, [HOST_LABEL]: host.name },
  };
}

/** Managers in declaration order (the first is where the swarm is initialised), then workers not also managers. */
export async function declaredMembers(res: Resource<SwarmClusterSpec>, ctx: KindContext): Promise<{ host: ResolvedHost; node: DesiredNode }[]> {
  const byOrder = (q: SwarmClusterSpec['managers'], hosts: ResolvedHost[]): ResolvedHost[] =>
    q.names ? q.names.map((n) => hosts.find((h) => h.name === n)).filter((h): h is ResolvedHost => h !== undefined) : hosts;
  const managers = byOrder(res.spec.managers, await resolveHosts(res.spec.managers, ctx));
  const workers = res.spec.workers ? byOrder(res.spec.workers, await resolveHosts(res.spec.workers, ctx)) : [];
  const taken = new Set(managers.map((h) => h.name));
  return [
    ...managers.map((host) => ({ host, node: desiredNode(res.metadata.name, host, 'manager') })),
    ...workers.filter((h) => !taken.has(h.name)).map((host) => ({ host, node: desiredNode(res.metadata.name, host, 'worker') })),
  ];
}

export async function observeSwarmCluster(res: Resource<SwarmClusterSpec>, ctx: KindContext): Promise<SwarmClusterObserved> {
  const swarm = ctx.drivers.swarm;
  if (!swarm) throw new StalledError('ObserveFailed', 'this driftless process has no swarm driver');
  const declared = await declaredMembers(res, ctx);
  const members: MemberObserved[] = await Promise.all(
    declared.map(async ({ host, node }) => {
      try {
        return { ...node, address: host.address, local: await swarm.engine(host.target).local() };
      } catch (err) {
        return { ...node, address: host.address, error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  const out: SwarmClusterObserved = { cluster: res.metadata.name, members };
  const candidates = members.filter((m) => m.local?.controlAvailable);
  const failures: string[] = [];
  for (const m of candidates) {
    const host = declared.find((d) => d.node.name === m.name)!.host;
    try {
      out.nodes = await swarm.engine(host.target).nodes();
      out.managerHost = m.name;
      if (m.local?.clusterId) out.clusterId = m.local.clusterId;
      return out;
    } catch (err) {
      failures.push(`${m.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (candidates.length > 0) {
    const known = [...new Set(candidates.flatMap((m) => m.local?.managers.map((x) => x.addr) ?? []))].join(', ');
    throw new StalledError(
      'ObserveFailed',
      `swarm ${res.metadata.name} has no leader (quorum lost or its managers down): no manager could list the nodes; managers known: ${known || 'none'}; ${failures.join('; ')}. Bring managers back, or recover by hand (docker swarm init --force-new-cluster) before driftless changes anything`,
    );
  }
  return out;
}
