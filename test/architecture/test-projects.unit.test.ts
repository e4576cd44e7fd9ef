/**
 * Keeps the `unit` vitest project honest: it runs without the global setup (no Docker engine, no host image), so a
 * `*.unit.test.ts` file must not reach, through the test files it imports, a harness piece that starts an engine,
 * hosts, a registry, a git server or the CLI. Type-only imports vanish at runtime and are allowed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/paths.js';

const TEST = join(REPO_ROOT, 'test');

/** Modules a unit file must not load: each needs the engine, a spawned CLI or a long-lived server process. */
const NEEDS_INTEGRATION = [
  'test/harness/aliyun-ecs.ts',
  'test/harness/cli.ts',
  'test/harness/docker.ts',
  'test/harness/git-server.ts',
  'test/harness/global-setup.ts',
  'test/harness/hosts.ts',
  'test/harness/registry.ts',
  'test/harness/tcp-forward.ts',
  'src/lab/engine.ts',
  'src/lab/host-image.ts',
  'src/lab/hosts.ts',
  'src/lab/lab-up.ts',
  'dockerode',
];

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'fixtures' ? [] : testFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** Runtime imports of a file: repo paths (`test/...`, `src/...`) for relative ones, the bare name otherwise. */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...[...text.matchAll(/^\s*(?:import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]/gm)]
      .filter((m) => !m[1])
      .map((m) => m[2]!),
    ...[...text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!),
    ...[...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!),
  ];
  return specs.map((s) =>
    s.startsWith('.') ? relative(REPO_ROOT, resolve(dirname(file), s)).replace(/\.js$/, '.ts') : s,
  );
}

/** Every forbidden module `entry` reaches through test-local files, with the chain that reaches it. */
export function forbiddenReach(entry: string): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const walk = (file: string, chain: string[]): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const dep of runtimeImports(join(REPO_ROOT, file))) {
      if (NEEDS_INTEGRATION.includes(dep)) found.push([...chain, file, dep].join(' -> '));
      else if (dep.startsWith('test/')) walk(dep, [...chain, file]);
    }
  };
  walk(entry, []);
  return found;
}

const all = testFiles(TEST).map((f) => relative(REPO_ROOT, f));
const unitFiles = all.filter((f) => f.endsWith('.unit.test.ts'));

describe('test projects', () => {
  it('has unit files to guard', () => {
    expect(unitFiles.length).toBeGreaterThan(50);
  });

  it('a unit file never reaches a harness piece that needs Docker, hosts, a git server or the CLI', () => {
    const offences = unitFiles.flatMap(forbiddenReach);
    expect(offences, 'rename the file to *.test.ts (integration) or drop the import').toEqual([]);
  });

  it('sees through a fixture: a pool test reaches the real hosts it starts', () => {
    expect(forbiddenReach('test/kinds/pool/pool-rollout.test.ts')).toContain(
      'test/kinds/pool/pool-rollout.test.ts -> test/kinds/pool/fixture.ts -> test/harness/hosts.ts',
    );
  });

  it('ignores type-only imports, which do not load the module', () => {
    expect(forbiddenReach('test/e2e/fixture.ts').filter((c) => c.endsWith('git-server.ts'))).toEqual([]);
  });
});
