import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKindRegistry } from '../../../src/kinds/registry.js';
import { serviceKind } from '../../../src/kinds/service/index.js';
import { loadRepo, formatProblem } from '../../../src/loader/index.js';

describe('Service', () => {
  it('depends on its cluster, so the cluster is recorded first', () => {
    const deps = serviceKind.dependencies({
      apiVersion: 'driftless.dev/v1',
      kind: 'Service',
      metadata: { name: 'api' },
      spec: { cluster: 'feed' },
      source: { file: 's.yaml', line: 1, col: 1 },
    });
    expect(deps).toEqual([{ kind: 'Cluster', name: 'feed', path: '/spec/cluster' }]);
  });

  it('a service naming an undeclared cluster is a problem at its line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dl-svc-'));
    writeFileSync(join(dir, 's.yaml'), 'apiVersion: driftless.dev/v1\nkind: Service\nmetadata: { name: api }\nspec:\n  description: x\n  cluster: nope\n');
    const load = await loadRepo(dir, { registry: createKindRegistry() });
    expect(load.problems.map(formatProblem)).toEqual(['s.yaml:6:12: spec.cluster: Cluster/nope is not declared']);
  });
});
