/**
 * Kind `SwarmCluster`: a Docker Swarm formed from declared Hosts (and MachineSet machines) running their own
 * engine. driftless only forms and maintains the swarm; scheduling, rescheduling on node failure and rolling
 * updates are Swarm's own, so they go on while driftless is down. Pools with `runtime: swarm` run on it.
 */
import type { Resource, ResourceRef } from '../../model/resource.js';
import { digestOf } from '../../util/digest.js';
import type { KindModule } from '../types.js';
import { applySwarmCluster } from './apply.js';
import { observeSwarmCluster } from './observe.js';
import { diffSwarmCluster, joinedNode, swarmClusterHealth } from './plan.js';
import type { SwarmClusterObserved, SwarmClusterSpec } from './spec.js';
import { validateSwarmCluster } from './validate.js';

function dependencies(res: Resource<SwarmClusterSpec>): ResourceRef[] {
  return (['managers', 'workers'] as const).flatMap((role) =>
    (res.spec[role]?.names ?? []).map((name, i) => ({ kind: 'Host', name, path: `/spec/${role}/names/${i}` })),
  );
}

/** `swarm 3 nodes (1 manager), 3 ready`. */
export function swarmClusterDetails(o: SwarmClusterObserved): Record<string, unknown> {
  const nodes = o.nodes ?? [];
  const managers = nodes.filter((n) => n.role === 'manager').length;
  const ready = nodes.filter((n) => n.state === 'ready').length;
  const joined = o.members.filter((m) => joinedNode(m, o.nodes)).length;
  return { summary: o.nodes ? `swarm ${nodes.length} nodes (${managers} manager${managers === 1 ? '' : 's'}), ${ready} ready` : 'no swarm', nodes: nodes.length, managers, ready, joined };
}

export const swarmClusterKind: KindModule<SwarmClusterSpec, SwarmClusterObserved> = {
  kind: 'SwarmCluster',
  schemaId: 'https://driftless.dev/schemas/swarm-cluster.schema.json',
  order: 15,
  dependencies,
  validate: validateSwarmCluster,
  observe: observeSwarmCluster,
  diff: diffSwarmCluster,
  apply: applySwarmCluster,
  health: swarmClusterHealth,
  statusDetails: swarmClusterDetails,
  observedDigest: (o) =>
    o?.nodes ? digestOf(o.nodes.map((n) => ({ id: n.id, role: n.role, availability: n.availability, state: n.state, labels: n.labels }))) : undefined,
};

export type { SwarmClusterObserved, SwarmClusterSpec } from './spec.js';
