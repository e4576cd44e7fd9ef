/** The SwarmCluster spec as schemas/swarm-cluster.schema.json guarantees it, and what observe reports. */
import type { SwarmLocalState, SwarmNode } from '../../drivers/types.js';

/** Which hosts: explicit names, or a label selector (Hosts and MachineSet machines). */
export interface HostQuery {
  names?: string[];
  selector?: Record<string, string>;
}

export interface SwarmClusterSpec {
  description?: string;
  managers: HostQuery;
  workers?: HostQuery;
  /** Interface name or address each node advertises; default the host's address. */
  advertiseAddr?: string;
  drainTimeout?: string;
}

/** Node label marking the nodes driftless joined for a cluster: only these are ever drained and removed. */
export const CLUSTER_LABEL = 'driftless.dev/swarm-cluster';
/** Node label naming the declared host a node was joined from (so a node whose host left can be made to leave). */
export const HOST_LABEL = 'driftless.dev/swarm-host';
/** Host label giving the node's availability (active, pause, drain); default active. */
export const AVAILABILITY_LABEL = 'driftless.dev/swarm-availability';

/** What a declared member should be, derived from the declaration and its host's labels. */
export interface DesiredNode {
  name: string;
  role: 'manager' | 'worker';
  availability: 'active' | 'pause' | 'drain';
  labels: Record<string, string>;
}

/** One declared member as observed: its engine's own view of its swarm membership. */
export interface MemberObserved extends DesiredNode {
  address: string;
  local?: SwarmLocalState;
  /** Why its engine could not be asked (unreachable host, engine down). */
  error?: string;
}

export interface SwarmClusterObserved {
  cluster: string;
  members: MemberObserved[];
  /** The member whose engine listed the nodes (a manager with a leader). */
  managerHost?: string;
  clusterId?: string;
  /** Every node of the swarm, as a manager lists it. */
  nodes?: SwarmNode[];
  /** Set when managers exist but none could list the nodes (no leader: quorum lost, or every manager down). */
  leaderless?: string;
}
