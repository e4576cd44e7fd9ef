/**
 * Pure parts of the swarm runtime: the ServiceSpec built from a pool reads back through the view as the declared
 * fields (so a fresh service plans as no-op), and load-time validation accepts the loader's schema defaults while
 * refusing SSH-runtime fields a swarm pool declares.
 */
import { describe, expect, it } from 'vitest';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import { buildServiceSpec } from '../../../src/kinds/pool/swarm/service-spec.js';
import { validateSwarmPool } from '../../../src/kinds/pool/swarm/validate.js';
import { serviceView, viewChanges } from '../../../src/kinds/pool/swarm/view.js';
import { API_VERSION, type Resource } from '../../../src/model/resource.js';
import { createResourceIndex } from '../../../src/reconcile/runtime.js';

const pool = (spec: Partial<PoolSpec>): Resource<PoolSpec> => ({
  apiVersion: API_VERSION,
  kind: 'Pool',
  metadata: { name: 'web' },
  source: { file: 'p.yaml', line: 1, col: 1 },
  spec: {
    service: 'web',
    runtime: 'swarm',
    replicas: 3,
    container: {
      image: 'r/web:1',
      env: { B: '2', A: '1' },
      ports: [{ container: 8080, host: 80 }],
      resources: { limits: { cpus: 0.5, memory: '256m' } },
      restartPolicy: { condition: 'on-failure', delay: '2s', window: '30s', maxAttempts: 4 },
    },
    swarm: { cluster: 'c', publishMode: 'host', update: { order: 'start-first', delay: '1s' }, placement: { constraints: ['node.role==worker'], preferences: [{ spread: 'node.labels.zone' }] } },
    ...spec,
  },
});

const refs = { image: 'r/web:1@sha256:' + 'a'.repeat(64), networks: [{ name: 'net', id: 'n1' }], secrets: [], configs: [] };

describe('swarm service spec', () => {
  it('maps the fields 1:1 in Engine API units and reads back through the view', () => {
    const spec = buildServiceSpec(pool({}), refs, 'd1');
    const view = serviceView(spec, { n1: 'net' });
    expect(view).toMatchObject({
      image: refs.image,
      env: ['A=1', 'B=2'],
      replicas: 3,
      'resources.limits.cpus': 0.5,
      'resources.limits.memory': 256 * 1024 * 1024,
      'restartPolicy.condition': 'on-failure',
      'restartPolicy.delay': 2e9,
      'restartPolicy.window': 30e9,
      'restartPolicy.maxAttempts': 4,
      'update.order': 'start-first',
      'update.delay': 1e9,
      'placement.constraints': ['node.role==worker'],
      'placement.preferences': ['node.labels.zone'],
      networks: ['net'],
      ports: [{ protocol: 'tcp', container: 8080, host: 80, mode: 'host' }],
    });
    expect(viewChanges(view, serviceView(buildServiceSpec(pool({}), refs, 'other digest'), { n1: 'net' }))).toEqual([]);
    expect(viewChanges(view, serviceView(buildServiceSpec(pool({ replicas: 4 }), refs, 'd2'), { n1: 'net' }))).toEqual([{ path: 'replicas', before: 3, after: 4 }]);
  });

  it('accepts the schema defaults the loader fills in, refuses SSH-runtime fields with what to use instead', () => {
    const all = createResourceIndex([{ apiVersion: API_VERSION, kind: 'SwarmCluster', metadata: { name: 'c' }, spec: {}, source: { file: 'c.yaml', line: 1, col: 1 } }]);
    expect(validateSwarmPool(pool({ mode: 'one-per-host', shrinkOrder: 'newest-first' }).spec, all)).toEqual([]);
    expect(validateSwarmPool(pool({ mode: 'fixed', rollout: { canary: 1 } }).spec, all)).toEqual([
      'mode: not used with runtime: swarm; use swarm.mode',
      'rollout: not used with runtime: swarm; use swarm.update and swarm.rollback',
    ]);
    expect(validateSwarmPool(pool({ replicas: undefined }).spec, all)).toEqual(['replicas is required for a replicated swarm service']);
  });
});
