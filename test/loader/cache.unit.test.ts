/**
 * The daemon's parse cache and the source-provided listing: a reload after a one-file change must see exactly the
 * new content, never a stale or shared object, and the listing must select the same files the directory walk does.
 */
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLoadCache, formatProblem, loadRepo } from '../../src/loader/index.js';
import { listResourceFiles, selectResourceFiles } from '../../src/loader/walk.js';
import { tempDir } from '../harness/tmp.js';
import { createTestKinds, loaderSchemas } from './kinds.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const registry = createTestKinds();
const schemas = loaderSchemas();

const cluster = (name: string, description: string) =>
  `apiVersion: driftless.dev/v1\nkind: Cluster\nmetadata:\n  name: ${name}\nspec:\n  description: ${description}\n`;

/** Every regular file below `root` (as a Git tree would list it), with a made-up content id per file. */
function listing(root: string, ids: Record<string, string> = {}): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const abs = join(dir, name);
      if (statSync(abs).isDirectory()) visit(abs);
      else {
        const rel = relative(root, abs);
        out.set(rel, ids[rel] ?? `id-${rel}`);
      }
    }
  };
  visit(root);
  return out;
}

function repoWith(files: Record<string, string>): string {
  const dir = tempDir('driftless-cache-');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

describe('resource file selection from a listing', () => {
  it('selects exactly what the directory walk selects (ignore file, dot dirs, node_modules, settings files)', async () => {
    const dir = tempDir('driftless-select-');
    cpSync(join(fixtures, 'valid'), dir, { recursive: true });
    mkdirSync(join(dir, 'node_modules', 'x'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'x', 'a.yaml'), 'a: 1\n');
    mkdirSync(join(dir, 'deep', 'er'), { recursive: true });
    writeFileSync(join(dir, 'deep', 'er', 'c.YAML'), cluster('deep', 'd'));
    writeFileSync(join(dir, 'deep', 'driftless.yaml'), cluster('nested-settings-name', 'd'));
    writeFileSync(join(dir, 'deep', '.dot.yaml'), 'a: 1\n');
    const walked = await listResourceFiles(dir);
    expect(walked).toContain('deep/er/c.YAML');
    expect(walked).toContain('deep/driftless.yaml');
    expect(walked).not.toContain('drafts/broken.yaml');
    expect(await selectResourceFiles(dir, listing(dir).keys())).toEqual(walked);
  });
});

describe('load cache', () => {
  it('a reload with a cache sees a changed file and keeps the others identical', async () => {
    const dir = repoWith({ 'a.yaml': cluster('a', 'first'), 'b.yaml': cluster('b', 'bee') });
    const cache = createLoadCache();
    const first = await loadRepo(dir, { registry, schemas, cache });
    expect(cache.size).toBe(2);
    writeFileSync(join(dir, 'a.yaml'), cluster('a', 'second'));
    const second = await loadRepo(dir, { registry, schemas, cache });
    const desc = (r: typeof second, name: string) =>
      (r.resources.find((x) => x.metadata.name === name)?.spec as { description: string }).description;
    expect(desc(first, 'a')).toBe('first');
    expect(desc(second, 'a')).toBe('second');
    expect(second.resources.find((x) => x.metadata.name === 'b')).toEqual(first.resources.find((x) => x.metadata.name === 'b'));
  });

  it('with blob ids, an unchanged id is served from the cache without reading the file', async () => {
    const dir = repoWith({ 'a.yaml': cluster('a', 'cached') });
    const cache = createLoadCache();
    await loadRepo(dir, { registry, schemas, cache, files: listing(dir, { 'a.yaml': 'blob-1' }) });
    // Checkouts are immutable by contract; rewriting one proves which path the loader took.
    writeFileSync(join(dir, 'a.yaml'), cluster('a', 'on-disk'));
    const same = await loadRepo(dir, { registry, schemas, cache, files: listing(dir, { 'a.yaml': 'blob-1' }) });
    const changed = await loadRepo(dir, { registry, schemas, cache, files: listing(dir, { 'a.yaml': 'blob-2' }) });
    expect((same.resources[0]?.spec as { description: string }).description).toBe('cached');
    expect((changed.resources[0]?.spec as { description: string }).description).toBe('on-disk');
  });

  it('hands out copies: mutating a loaded resource does not leak into the next load', async () => {
    const dir = repoWith({ 'a.yaml': cluster('a', 'pristine') });
    const cache = createLoadCache();
    const first = await loadRepo(dir, { registry, schemas, cache });
    (first.resources[0]!.spec as { description: string }).description = 'mutated';
    first.resources[0]!.metadata.labels = { hacked: 'yes' };
    const second = await loadRepo(dir, { registry, schemas, cache });
    expect((second.resources[0]?.spec as { description: string }).description).toBe('pristine');
    expect(second.resources[0]?.metadata.labels).toBeUndefined();
  });

  it('re-validates cached files when driftless.yaml defaults change, and drops deleted files', async () => {
    const dir = repoWith({
      'driftless.yaml': 'apiVersion: driftless.dev/v1\n',
      'a.yaml': cluster('a', 'x'),
      'b.yaml': cluster('b', 'y'),
    });
    const cache = createLoadCache();
    expect((await loadRepo(dir, { registry, schemas, cache })).problems).toEqual([]);
    writeFileSync(join(dir, 'driftless.yaml'), 'apiVersion: driftless.dev/v1\ndefaults:\n  Cluster:\n    colour: red\n');
    const withDefaults = await loadRepo(dir, { registry, schemas, cache });
    expect(withDefaults.problems.map(formatProblem)).toEqual([
      'a.yaml:6:3: spec: unknown property "colour"',
      'b.yaml:6:3: spec: unknown property "colour"',
    ]);
    expect(withDefaults.problems).toEqual((await loadRepo(dir, { registry, schemas })).problems);
    writeFileSync(join(dir, 'driftless.yaml'), 'apiVersion: driftless.dev/v1\n');
    const fixed = await loadRepo(dir, { registry, schemas, cache, files: listing(dir, { 'a.yaml': 'a1' }) });
    expect(fixed.problems).toEqual([]);
    expect(fixed.resources.map((r) => r.metadata.name)).toEqual(['a', 'b']);
    const removed = await loadRepo(dir, { registry, schemas, cache, files: new Map([['a.yaml', 'a1']]) });
    expect(removed.resources.map((r) => r.metadata.name)).toEqual(['a']);
    expect(cache.size).toBe(1);
  });

  it('places a problem in a cached file (whose parse it did not keep) exactly where an uncached load does', async () => {
    const service = (name: string) => `apiVersion: driftless.dev/v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  cluster: shop\n  description: d\n  serviceType: php\n`;
    const dir = repoWith({ 'c.yaml': cluster('shop', 'x'), 's.yaml': `${service('one')}---\n# the second document\n${service('two')}` });
    const cache = createLoadCache();
    const ids = { 'c.yaml': 'c1', 's.yaml': 's1' };
    expect((await loadRepo(dir, { registry, schemas, cache, files: listing(dir, ids) })).problems).toEqual([]);
    rmSync(join(dir, 'c.yaml'));
    const dangling = await loadRepo(dir, { registry, schemas, cache, files: listing(dir, ids) });
    expect(dangling.problems.map(formatProblem)).toEqual([
      's.yaml:6:12: spec.cluster: Cluster/shop is not declared',
      's.yaml:16:12: spec.cluster: Cluster/shop is not declared',
    ]);
    expect(dangling.problems).toEqual((await loadRepo(dir, { registry, schemas })).problems);
  });
});
