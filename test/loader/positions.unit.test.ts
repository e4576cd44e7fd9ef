/**
 * Problems are placed from the parse worker's positions index (no yaml Document on the main thread): the same
 * file:line:col as walking the Document gave, for aliases, empty values, keys, missing fields (nearest existing
 * parent), later documents of a file, and problems found after the parse was dropped (the cache's clean files).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLoadCache, formatProblem, loadRepo } from '../../src/loader/index.js';
import { tempDir } from '../harness/tmp.js';
import { createTestKinds, loaderSchemas } from './kinds.js';

const registry = createTestKinds();
const schemas = loaderSchemas();

function repoWith(files: Record<string, string>): string {
  const dir = tempDir('positions');
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

const host = (name: string, spec: string) =>
  `apiVersion: driftless.dev/v1\nkind: Host\nmetadata:\n  name: ${name}\nspec:\n  privateKey: { secret: key }\n${spec}`;

describe('problem positions', () => {
  it('points into an anchor through an alias, at an empty value\'s key, at an unknown key, and at the parent of a missing field', async () => {
    const aliased = [
      'apiVersion: driftless.dev/v1',
      'kind: Host',
      'metadata:',
      '  name: web-1',
      '  labels: &l { role: 5 }',
      '  annotations: *l',
      'spec:',
      '  privateKey: { secret: key }',
      '  address: 10.0.0.1',
      '  cluster: ops',
      '',
    ].join('\n');
    const dir = repoWith({
      'c.yaml': 'apiVersion: driftless.dev/v1\nkind: Cluster\nmetadata:\n  name: ops\nspec:\n  description: d\n',
      'hosts.yaml': [
        aliased,
        host('web-3', '  address: 10.0.0.3\n  cluster: ops\n  port:\n  adress: x\n'),
        host('web-4', '  cluster: ops\n'),
      ].join('---\n'),
    });
    expect((await loadRepo(dir, { registry, schemas })).problems.map(formatProblem)).toEqual([
      'hosts.yaml:5:22: metadata.labels.role: must be string',
      'hosts.yaml:5:22: metadata.annotations.role: must be string',
      'hosts.yaml:20:3: spec.port: must be integer',
      'hosts.yaml:21:3: spec: unknown property "adress"',
      'hosts.yaml:28:3: spec: missing required property "address"',
    ]);
  });

  it('places a reference problem in a clean file whose parse the cache dropped', async () => {
    const dir = repoWith({ 'hosts.yaml': host('web-1', '  address: 10.0.0.1\n  cluster: &c ops\n') });
    const cache = createLoadCache();
    const first = await loadRepo(dir, { registry, schemas, cache });
    const again = await loadRepo(dir, { registry, schemas, cache });
    for (const r of [first, again]) {
      expect(r.problems.map(formatProblem)).toEqual(['hosts.yaml:8:15: spec.cluster: Cluster/ops is not declared']);
    }
  });
});
