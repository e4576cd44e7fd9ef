/** The quorum simulation as a table: promotions first, unreachable managers dropped before reachable ones. */
import { describe, expect, it } from 'vitest';
import type { SwarmNode } from '../../../src/drivers/types.js';
import { quorumProblem } from '../../../src/kinds/swarm-cluster/quorum.js';
import { planSwarm } from '../../../src/kinds/swarm-cluster/plan.js';
import { CLUSTER_LABEL, HOST_LABEL } from '../../../src/kinds/swarm-cluster/spec.js';

const node = (id: string, role: 'manager' | 'worker', reachable = true): SwarmNode => ({
  id,
  version: 1,
  hostname: id,
  role,
  availability: 'active',
  labels: { [CLUSTER_LABEL]: 'c', [HOST_LABEL]: id },
  state: reachable ? 'ready' : 'down',
  leader: id === 'a',
  ...(role === 'manager' ? { reachability: reachable ? 'reachable' : 'unreachable' } : {}),
});

describe('quorumProblem', () => {
  it.each([
    ['3 reachable managers -> 1', [node('a', 'manager'), node('b', 'manager'), node('c', 'manager')], [], ['b', 'c'], undefined],
    ['one of 3 down, the down one and another dropped', [node('a', 'manager'), node('b', 'manager'), node('c', 'manager', false)], [], ['b', 'c'], undefined],
    ['two of 3 down', [node('a', 'manager'), node('b', 'manager', false), node('c', 'manager', false)], [], [], /lost quorum: 1 of 3/],
    ['the last manager dropped', [node('a', 'manager'), node('w', 'worker')], [], ['a'], /would leave 0 manager/],
    ['promotion first keeps the majority', [node('a', 'manager'), node('b', 'manager'), node('c', 'manager', false), node('d', 'worker'), node('e', 'worker')], ['d', 'e'], ['b'], undefined],
  ] as const)('%s', (_name, nodes, promote, drop, expected) => {
    const out = quorumProblem([...nodes], [...promote], [...drop]);
    if (expected === undefined) expect(out).toBeUndefined();
    else expect(out).toMatch(expected);
  });

  it('names every manager with its reachability in the refusal', () => {
    const out = quorumProblem([node('a', 'manager'), node('b', 'manager', false), node('c', 'manager', false)], [], []);
    expect(out).toContain('a (reachable, leader), b (unreachable), c (unreachable)');
  });
});

describe('planSwarm', () => {
  it('never removes a node it did not join, and refuses a member of another swarm', () => {
    const foreign = { ...node('x', 'worker'), labels: {} };
    const plan = planSwarm({
      cluster: 'c',
      nodes: [node('a', 'manager'), foreign],
      managerHost: 'a',
      members: [
        { name: 'a', role: 'manager', availability: 'active', labels: node('a', 'manager').labels, address: '10.0.0.1', local: { state: 'active', nodeId: 'a', controlAvailable: true, managers: [], hostname: 'a' } },
        { name: 'b', role: 'worker', availability: 'active', labels: {}, address: '10.0.0.2', local: { state: 'active', nodeId: 'zz', controlAvailable: false, managers: [], hostname: 'b' } },
      ],
    });
    expect(plan.ops).toEqual([]);
    expect(plan.refusal).toMatch(/host b is already in another swarm/);
  });
});
