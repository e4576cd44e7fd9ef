/** Placement as tables: which nodes are created, removed, restored and rolled for a given observation. */
import { describe, expect, it } from 'vitest';
import { placeNodes, type PlacementInput } from '../../../src/kinds/pool/placement.js';
import type { NodeObserved } from '../../../src/kinds/pool/spec.js';

const node = (ordinal: number, host: string, over: Partial<NodeObserved> = {}): NodeObserved => ({
  id: `id${ordinal}`,
  name: `web-${ordinal}`,
  host,
  ordinal,
  state: 'running',
  specDigest: 'D',
  createdAt: `2026-01-01T00:00:0${ordinal}Z`,
  healthy: true,
  ...over,
});

const input = (spec: PlacementInput['spec'], eligible: string[], nodes: NodeObserved[]): PlacementInput => ({
  spec,
  pool: 'web',
  eligible,
  nodes,
  specDigest: 'D',
});

describe('placeNodes', () => {
  const cases: { name: string; in: PlacementInput; create: string[]; remove: string[]; restore?: string[]; stale?: string[]; unplaced?: number }[] = [
    { name: 'one-per-host fills every eligible host', in: input({}, ['a', 'b', 'c'], []), create: ['web-0@a', 'web-1@b', 'web-2@c'], remove: [] },
    { name: 'one-per-host with replicas takes the first hosts', in: input({ replicas: 2 }, ['a', 'b', 'c'], [node(0, 'b')]), create: ['web-1@a'], remove: [] },
    { name: 'steady state is empty', in: input({}, ['a', 'b'], [node(0, 'a'), node(1, 'b')]), create: [], remove: [] },
    { name: 'a second node on one host goes, newest first', in: input({}, ['a', 'b'], [node(0, 'a'), node(1, 'a'), node(2, 'b')]), create: [], remove: ['web-1@a'] },
    { name: 'nodes on a host no longer eligible go and are replaced', in: input({}, ['a', 'b'], [node(0, 'a'), node(1, 'z')]), create: ['web-2@b'], remove: ['web-1@z'] },
    { name: 'fixed spreads over the least loaded hosts', in: input({ mode: 'fixed', replicas: 4 }, ['a', 'b'], [node(0, 'a')]), create: ['web-1@b', 'web-2@a', 'web-3@b'], remove: [] },
    { name: 'fixed shrink removes the newest', in: input({ mode: 'fixed', replicas: 1 }, ['a', 'b'], [node(0, 'a'), node(1, 'b'), node(2, 'a')]), create: [], remove: ['web-2@a', 'web-1@b'] },
    { name: 'oldest-first shrink', in: input({ mode: 'fixed', replicas: 2, shrinkOrder: 'oldest-first' }, ['a', 'b'], [node(0, 'a'), node(1, 'b'), node(2, 'a')]), create: [], remove: ['web-0@a'] },
    { name: 'a stopped node is removed before a running one', in: input({ mode: 'fixed', replicas: 1 }, ['a'], [node(0, 'a', { state: 'exited' }), node(1, 'a')]), create: [], remove: ['web-0@a'] },
    { name: 'surplus removes old-spec nodes before new ones', in: input({ mode: 'fixed', replicas: 2 }, ['a'], [node(0, 'a', { specDigest: 'OLD' }), node(1, 'a'), node(2, 'a')]), create: [], remove: ['web-0@a'] },
    { name: 'a node failing its probe is removed before an old-spec one', in: input({ mode: 'fixed', replicas: 1 }, ['a'], [node(0, 'a', { specDigest: 'OLD' }), node(1, 'a', { healthy: false })]), create: [], remove: ['web-1@a'], stale: ['web-0@a'] },
    { name: 'maxPerHost limits placement', in: input({ mode: 'fixed', replicas: 3, maxPerHost: 1 }, ['a', 'b'], []), create: ['web-0@a', 'web-1@b'], remove: [], unplaced: 1 },
    // Issue 18.17: host networking shares the host's ports, so a fixed pool spreads one node per host.
    { name: 'fixed on the host network places one node per host', in: input({ mode: 'fixed', replicas: 3, container: {} }, ['a', 'b'], []), create: ['web-0@a', 'web-1@b'], remove: [], unplaced: 1 },
    { name: 'fixed on the host network removes a second node on one host', in: input({ mode: 'fixed', replicas: 2, container: { network: 'host' } }, ['a', 'b'], [node(0, 'a'), node(1, 'a')]), create: ['web-2@b'], remove: ['web-1@a'] },
    { name: 'fixed on a bridge network may stack nodes', in: input({ mode: 'fixed', replicas: 3, container: { network: 'bridge' } }, ['a'], []), create: ['web-0@a', 'web-1@a', 'web-2@a'], remove: [] },
    { name: 'an explicit maxPerHost on the host network is taken as given', in: input({ mode: 'fixed', replicas: 2, maxPerHost: 2, container: { network: 'host' } }, ['a'], []), create: ['web-0@a', 'web-1@a'], remove: [] },
    { name: 'a stopped node is restored in place', in: input({}, ['a'], [node(0, 'a', { state: 'exited' })]), create: [], remove: [], restore: ['web-0@a'] },
    { name: 'running nodes with an old digest are stale', in: input({}, ['a', 'b'], [node(0, 'a', { specDigest: 'OLD' }), node(1, 'b')]), create: [], remove: [], stale: ['web-0@a'] },
    { name: 'new ordinals skip those in use anywhere', in: input({ mode: 'fixed', replicas: 3 }, ['a'], [node(0, 'a'), node(2, 'z')]), create: ['web-1@a', 'web-3@a'], remove: ['web-2@z'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = placeNodes(c.in);
      const at = (n: { name: string; host: string }) => `${n.name}@${n.host}`;
      expect(p.create.map(at)).toEqual(c.create);
      expect(p.remove.map(at)).toEqual(c.remove);
      expect(p.restore.map(at)).toEqual(c.restore ?? []);
      expect(p.stale.map(at)).toEqual(c.stale ?? []);
      expect(p.unplaced).toBe(c.unplaced ?? 0);
    });
  }
});
