/**
 * The SwarmCluster plan (pure): what would turn the observed swarm into the declared one, as a list of operations
 * (apply runs exactly these) and as field changes for `plan`. Only nodes labelled as joined for this cluster are
 * ever removed; a node driftless did not join is left alone.
 */
import type { SwarmNode } from '../../drivers/types.js';
import type { HealthReport } from '../../model/health.js';
import type { DiffOutcome, FieldChange } from '../../model/plan.js';
import { nodeName, quorumProblem } from './quorum.js';
import { CLUSTER_LABEL, type MemberObserved, type SwarmClusterObserved } from './spec.js';

export type SwarmOp =
  | { op: 'init'; member: string }
  | { op: 'join'; member: string; role: 'manager' | 'worker' }
  | { op: 'set'; member: string; nodeId: string; role: 'manager' | 'worker'; availability: string; labels: Record<string, string> }
  | { op: 'remove'; nodeId: string; name: string; manager: boolean };

export interface SwarmPlan {
  ops: SwarmOp[];
  changes: FieldChange[];
  /** A member in some other swarm, or a quorum-losing change: apply refuses before touching anything. */
  refusal?: string;
}

const sameLabels = (a: Record<string, string>, b: Record<string, string>): boolean =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** Members whose engine is in the observed swarm: by node id in the manager's node list. */
export function joinedNode(m: MemberObserved, nodes: SwarmNode[] | undefined): SwarmNode | undefined {
  const id = m.local?.state === 'active' ? m.local.nodeId : undefined;
  return id ? nodes?.find((n) => n.id === id) : undefined;
}

export function planSwarm(o: SwarmClusterObserved): SwarmPlan {
  const ops: SwarmOp[] = [];
  const changes: FieldChange[] = [];
  const refusals: string[] = [];
  const nodes = o.nodes;
  if (!nodes) {
    const first = o.members.find((m) => m.role === 'manager');
    if (first) {
      ops.push({ op: 'init', member: first.name });
      changes.push({ path: 'swarm', after: `init on ${first.name}` });
    }
  }
  for (const m of o.members) {
    const node = joinedNode(m, nodes);
    // An unreachable member cannot be changed; health reports it (Degraded) and the next run retries.
    if (m.error) continue;
    if (!node) {
      const initHere = ops[0]?.op === 'init' && ops[0].member === m.name;
      if (m.local && m.local.state !== 'inactive' && !initHere) {
        refusals.push(`host ${m.name} is already in another swarm (node ${m.local.nodeId ?? '?'}, state ${m.local.state}); make it leave that swarm first (docker swarm leave)`);
        continue;
      }
      // Init and join are followed by the node's labels and availability (apply sets them on the new node).
      if (!initHere) ops.push({ op: 'join', member: m.name, role: m.role });
      changes.push({ path: `nodes.${m.name}`, after: { role: m.role, availability: m.availability, labels: m.labels } });
      continue;
    }
    const before = { role: node.role, availability: node.availability, labels: node.labels };
    if (node.role !== m.role) changes.push({ path: `nodes.${m.name}.role`, before: node.role, after: m.role });
    if (node.availability !== m.availability) changes.push({ path: `nodes.${m.name}.availability`, before: node.availability, after: m.availability });
    if (!sameLabels(node.labels, m.labels)) changes.push({ path: `nodes.${m.name}.labels`, before: before.labels, after: m.labels });
    if (node.role !== m.role || node.availability !== m.availability || !sameLabels(node.labels, m.labels)) {
      ops.push({ op: 'set', member: m.name, nodeId: node.id, role: m.role, availability: m.availability, labels: m.labels });
    }
  }
  const kept = new Set(o.members.map((m) => joinedNode(m, nodes)?.id).filter((id): id is string => id !== undefined));
  for (const n of nodes ?? []) {
    if (kept.has(n.id) || n.labels[CLUSTER_LABEL] !== o.cluster) continue;
    ops.push({ op: 'remove', nodeId: n.id, name: nodeName(n), manager: n.role === 'manager' });
    changes.push({ path: `nodes.${nodeName(n)}`, before: n.role, after: 'removed (drain, leave, node rm)' });
  }
  if (nodes) {
    const promote = ops.flatMap((x) => (x.op === 'set' && x.role === 'manager' ? [x.nodeId] : []));
    const drop = [
      ...ops.flatMap((x) => (x.op === 'set' && x.role === 'worker' ? [x.nodeId] : [])),
      ...ops.flatMap((x) => (x.op === 'remove' && x.manager ? [x.nodeId] : [])),
    ];
    const q = quorumProblem(nodes, promote, drop);
    if (q) refusals.push(q);
  }
  return { ops, changes, ...(refusals.length > 0 ? { refusal: refusals.join('; ') } : {}) };
}

export function diffSwarmCluster(_desired: unknown, observed: SwarmClusterObserved | undefined): DiffOutcome {
  if (!observed) return { action: 'create', changes: [] };
  const p = planSwarm(observed);
  const action = !observed.nodes ? 'create' : p.ops.length > 0 || p.refusal ? 'update' : 'noop';
  return { action, changes: p.changes, ...(p.refusal ? { reason: 'QuorumAtRisk', message: p.refusal } : {}) };
}

export function swarmClusterHealth(o: SwarmClusterObserved | undefined): HealthReport {
  if (!o?.nodes) return { status: 'Missing', message: 'no swarm yet' };
  const down = o.members.filter((m) => m.error).map((m) => m.name);
  const notReady = o.members.map((m) => ({ m, n: joinedNode(m, o.nodes) })).filter(({ n }) => n && n.state !== 'ready').map(({ m }) => m.name);
  const missing = o.members.filter((m) => !m.error && !joinedNode(m, o.nodes)).map((m) => m.name);
  if (down.length + notReady.length > 0) return { status: 'Degraded', message: `nodes down: ${[...down, ...notReady].join(', ')}` };
  if (missing.length > 0) return { status: 'Progressing', message: `not joined yet: ${missing.join(', ')}` };
  return { status: 'Healthy' };
}
