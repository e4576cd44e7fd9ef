/**
 * Renovate-style completeness: every kind folder is registered, has its schema (with the $id the module names),
 * a sample in sample-repo/, and tests under test/kinds/<folder>/; and every registered kind has a folder.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { REPO_ROOT } from '../harness/paths.js';

const NOT_KINDS = new Set(['shared']);

export function kebab(kind: string): string {
  return kind
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const full = join(dir, n);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

const registry = createKindRegistry();
const folders = readdirSync(join(REPO_ROOT, 'src/kinds')).filter(
  (n) => statSync(join(REPO_ROOT, 'src/kinds', n)).isDirectory() && !NOT_KINDS.has(n),
);
const sampleText = walk(join(REPO_ROOT, 'sample-repo'))
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');
const schemaIds = new Map(
  readdirSync(join(REPO_ROOT, 'schemas')).map((f) => [(JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', f), 'utf8')) as { $id?: string }).$id, f]),
);

describe('kind registry completeness', () => {
  it('kebab-cases kind names as folders are named', () => {
    expect(['Host', 'ImageProject', 'CFDeployment', 'TaskTemplate'].map(kebab)).toEqual(['host', 'image-project', 'cf-deployment', 'task-template']);
  });

  it('registers exactly the kind folders', () => {
    const registered = [...registry.keys()].map(kebab).sort();
    expect(registered).toEqual([...folders].sort());
  });

  it.each([...registry.values()].map((k) => [k.kind, k] as const))('%s has a schema, a sample and tests', (kind, mod) => {
    expect(schemaIds.has(mod.schemaId), `schema with $id ${mod.schemaId}`).toBe(true);
    expect(sampleText, `sample-repo declares a ${kind}`).toMatch(new RegExp(`^kind:\\s*${kind}\\s*$`, 'm'));
    const testDir = join(REPO_ROOT, 'test/kinds', kebab(kind));
    const tests = existsSync(testDir) ? walk(testDir).filter((f) => f.endsWith('.test.ts')) : [];
    expect(tests.length, `tests under test/kinds/${kebab(kind)}/`).toBeGreaterThan(0);
  });
});
