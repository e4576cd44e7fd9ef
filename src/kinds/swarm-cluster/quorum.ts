/**
 * Raft quorum for manager changes (pure). A swarm keeps working while a majority of its managers is reachable;
 * demoting or removing a manager shrinks the set one step at a time, and each step must keep that majority. The
 * simulation promotes first (new managers add votes), then drops unreachable managers, then reachable ones: the
 * safest order. If some step would still fall below quorum the change is refused before anything is touched.
 */
import type { SwarmNode } from '../../drivers/types.js';
import { HOST_LABEL } from './spec.js';

const quorumOf = (n: number): number => Math.floor(n / 2) + 1;

/** How a node is named in messages: its declared host, else its hostname. */
export function nodeName(n: SwarmNode): string {
  return n.labels[HOST_LABEL] ?? n.hostname;
}

function describe(managers: SwarmNode[]): string {
  return managers.map((m) => `${nodeName(m)} (${m.reachability ?? 'unknown'}${m.leader ? ', leader' : ''})`).join(', ');
}

/** Why the manager change would lose quorum, naming the managers; undefined when every step keeps a majority. */
export function quorumProblem(nodes: SwarmNode[], promote: string[], drop: string[]): string | undefined {
  const managers = nodes.filter((n) => n.role === 'manager');
  const reachable = (n: SwarmNode): boolean => n.reachability === 'reachable';
  let count = managers.length;
  let up = managers.filter(reachable).length;
  if (count > 0 && up < quorumOf(count)) {
    return `the swarm has lost quorum: ${up} of ${count} managers reachable (${quorumOf(count)} needed); managers: ${describe(managers)}`;
  }
  const promoted = nodes.filter((n) => promote.includes(n.id) && n.role !== 'manager');
  count += promoted.length;
  up += promoted.filter((n) => n.state === 'ready').length;
  const dropped = managers.filter((m) => drop.includes(m.id)).sort((a, b) => Number(reachable(a)) - Number(reachable(b)));
  for (const m of dropped) {
    const nextCount = count - 1;
    const nextUp = up - (reachable(m) ? 1 : 0);
    if (nextCount < 1 || nextUp < quorumOf(nextCount)) {
      return `demoting or removing manager ${nodeName(m)} would leave ${nextCount} manager(s) with ${nextUp} reachable, below the quorum of ${quorumOf(Math.max(nextCount, 1))}; managers: ${describe(managers)}`;
    }
    count = nextCount;
    up = nextUp;
  }
  return undefined;
}
