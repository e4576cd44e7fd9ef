/** Load-time checks the schema cannot express: manager count (1, 3 or 5) and overlap of managers and workers. */
import type { Problem } from '../../model/plan.js';
import type { Resource } from '../../model/resource.js';
import type { HostSpec } from '../host/public.js';
import { problemAt } from '../shared/problem.js';
import type { ResourceIndex } from '../types.js';
import type { HostQuery, SwarmClusterSpec } from './spec.js';

const MANAGER_COUNTS = [1, 3, 5];

/** Declared Hosts a query names (machines are counted at apply, when they exist). */
function hostsOf(q: HostQuery, all: ResourceIndex): string[] {
  if (q.names) return q.names;
  return all
    .list<HostSpec>('Host')
    .filter((h) => Object.entries(q.selector ?? {}).every(([k, v]) => h.metadata.labels?.[k] === v))
    .map((h) => h.metadata.name);
}

export function validateSwarmCluster(res: Resource<SwarmClusterSpec>, all: ResourceIndex): Problem[] {
  const out: string[] = [];
  const managers = hostsOf(res.spec.managers, all);
  if (res.spec.managers.names && !MANAGER_COUNTS.includes(managers.length)) {
    out.push(`managers: ${managers.length} manager(s) declared; a swarm needs 1, 3 or 5 (an odd number keeps a majority, and more than 5 slows every Raft write)`);
  }
  if (res.spec.managers.selector && managers.length > 0 && !MANAGER_COUNTS.includes(managers.length)) {
    out.push(`managers: the selector matches ${managers.length} Host(s) (${managers.join(', ')}); a swarm needs 1, 3 or 5 managers`);
  }
  if (res.spec.workers?.names) {
    const both = res.spec.workers.names.filter((n) => managers.includes(n));
    if (both.length > 0) out.push(`workers: ${both.join(', ')} also named as manager(s); a node is one or the other`);
  }
  return out.map((m) => problemAt(res, m));
}
