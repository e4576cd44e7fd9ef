/** The pool's plan table (diff) and health, from observations built by hand. */
import { describe, expect, it } from 'vitest';
import { diffPool, placementDrift, placementOf, poolHealth } from '../../../src/kinds/pool/diff.js';
import type { NodeObserved, PoolObserved, PoolSpec } from '../../../src/kinds/pool/spec.js';
import { API_VERSION, type Resource } from '../../../src/model/resource.js';

const pool = (spec: Partial<PoolSpec> = {}): Resource<PoolSpec> => ({
  apiVersion: API_VERSION,
  kind: 'Pool',
  metadata: { name: 'web' },
  spec: { service: 'api', hosts: { selector: {} }, container: { image: 'img:2' }, ...spec },
  source: { file: 'p.yaml', line: 1, col: 1 },
});

const node = (ordinal: number, host: string, over: Partial<NodeObserved> = {}): NodeObserved => ({
  id: `id${ordinal}`,
  name: `web-${ordinal}`,
  host,
  ordinal,
  state: 'running',
  specDigest: 'sha256:new0000000000',
  createdAt: `t${ordinal}`,
  healthy: true,
  ...over,
});

const observed = (nodes: NodeObserved[], over: Partial<PoolObserved> = {}): PoolObserved => ({
  eligible: ['a', 'b'],
  hosts: [
    { host: 'a', reachable: true, nodes: nodes.filter((n) => n.host === 'a') },
    { host: 'b', reachable: true, nodes: nodes.filter((n) => n.host === 'b') },
  ],
  specDigest: 'sha256:new0000000000',
  image: 'img:2',
  desiredCount: 2,
  ...over,
});

describe('diffPool', () => {
  it.each([
    ['nothing there yet', observed([]), { action: 'create', changes: [{ path: 'nodes.create', after: ['web-0@a', 'web-1@b'] }] }],
    ['steady', observed([node(0, 'a'), node(1, 'b')]), { action: 'noop', changes: [] }],
    [
      'a stopped node is drift',
      observed([node(0, 'a', { state: 'exited' }), node(1, 'b')]),
      { action: 'update', reason: 'DriftDetected', changes: [{ path: 'nodes.restore', before: ['web-0@a (exited)'] }] },
    ],
    [
      'a spec change deploys',
      observed([node(0, 'a', { specDigest: 'sha256:old0000000000' }), node(1, 'b')]),
      { action: 'update', changes: [{ path: 'nodes.deploy', before: ['web-0@a old000000000'], after: 'new000000000 (img:2)' }] },
    ],
  ] as const)('%s', (_name, obs, expected) => {
    expect(diffPool(pool(), obs)).toEqual(expected);
  });

  it('shrinks and expands in one plan', () => {
    const obs = observed([node(0, 'a'), node(1, 'a'), node(2, 'z')], {
      hosts: [
        { host: 'a', reachable: true, nodes: [node(0, 'a'), node(1, 'a')] },
        { host: 'b', reachable: true, nodes: [] },
        { host: 'z', reachable: true, nodes: [node(2, 'z')] },
      ],
    });
    expect(diffPool(pool(), obs).changes).toEqual([
      { path: 'nodes.create', after: ['web-3@b'] },
      { path: 'nodes.remove', before: ['web-2@z', 'web-1@a'] },
    ]);
  });
});

describe('poolHealth', () => {
  it.each([
    ['all current and healthy', observed([node(0, 'a'), node(1, 'b')]), 'Healthy'],
    ['none yet', observed([]), 'Missing'],
    ['one missing', observed([node(0, 'a')]), 'Progressing'],
    ['one stale', observed([node(0, 'a', { specDigest: 'old' }), node(1, 'b')]), 'Progressing'],
    ['a current node fails its probe', observed([node(0, 'a', { healthy: false }), node(1, 'b')]), 'Degraded'],
    ['a host does not answer', observed([node(0, 'a')], { hosts: [{ host: 'a', reachable: true, nodes: [node(0, 'a')] }, { host: 'b', reachable: false, error: 'refused', nodes: [] }] }), 'Degraded'],
  ] as const)('%s -> %s', (_name, obs, status) => {
    expect(poolHealth(obs).status).toBe(status);
  });
});

describe('nodes their flow left out of rotation (issue 18.18)', () => {
  it('a healthy, current node still held plans a register, so the next apply puts it in rotation', () => {
    const d = diffPool(pool(), observed([node(0, 'a'), node(1, 'b')], { held: ['web-1'] }));
    expect(d).toMatchObject({ action: 'update', changes: [{ path: 'nodes.register', before: ['web-1'] }] });
  });

  it('nothing to register when no node is held', () => {
    expect(diffPool(pool(), observed([node(0, 'a'), node(1, 'b')])).action).toBe('noop');
  });
});

describe('placementDrift (issue 12.3: apply does what the plan showed)', () => {
  const spec = pool({ mode: 'fixed', replicas: 2 });
  it('is undefined when the hosts call for what the plan showed', () => {
    const o = observed([node(0, 'a')]);
    expect(placementDrift(placementOf(spec, o), placementOf(spec, o))).toBeUndefined();
  });

  it('names what moved: a node that appeared on a host since the plan', () => {
    const planned = placementOf(spec, observed([node(0, 'a')]));
    const now = placementOf(spec, observed([node(0, 'a'), node(1, 'b')]));
    expect(placementDrift(planned, now)).toBe('create: planned [web-1@b], now []');
  });

  it('a node stopped by hand since the plan is a restore the plan did not show', () => {
    const planned = placementOf(spec, observed([node(0, 'a'), node(1, 'b')]));
    const now = placementOf(spec, observed([node(0, 'a'), node(1, 'b', { state: 'exited' })]));
    expect(placementDrift(planned, now)).toBe('restore: planned [], now [web-1@b]');
  });
});
