import { describe, expect, it } from 'vitest';
import { diffDeclaration, fieldChanges, specDigest } from '../../../src/kinds/shared/declaration.js';
import type { Resource } from '../../../src/model/resource.js';

const cluster = (spec: Record<string, unknown>): Resource => ({
  apiVersion: 'driftless.dev/v1',
  kind: 'Cluster',
  metadata: { name: 'feed' },
  spec,
  source: { file: 'c.yaml', line: 1, col: 1 },
});

describe('declaration kinds (Cluster, Service)', () => {
  it.each([
    ['never applied', undefined, { owner: 'a' }, 'create', ['spec.owner']],
    ['same spec', { owner: 'a' }, { owner: 'a' }, 'noop', []],
    ['changed field', { owner: 'a' }, { owner: 'b' }, 'update', ['spec.owner']],
    ['added field', { owner: 'a' }, { owner: 'a', contact: 'x' }, 'update', ['spec.contact']],
  ])('%s', (_n, before, after, action, paths) => {
    const observed = before ? { spec: before, digest: specDigest(cluster(before)) } : undefined;
    const out = diffDeclaration(cluster(after), observed);
    expect(out.action).toBe(action);
    expect(out.changes.map((c) => c.path)).toEqual(paths);
  });

  it('reports nested leaf changes with before and after', () => {
    expect(fieldChanges({ a: { b: 1, c: 2 } }, { a: { b: 1, c: 3 } }, 'spec')).toEqual([{ path: 'spec.a.c', before: 2, after: 3 }]);
  });
});
