/**
 * Keeps the dependency direction of architecture.md: model/ and errors.ts import nothing of ours but util/;
 * the engine imports only model/, errors.ts, util/ and the contract types; kinds reach drivers only through
 * drivers/types.ts; only cli/output.ts writes to stdout.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/cli.js';

const SRC = join(REPO_ROOT, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

/** Our own imports of a file, as paths relative to src/ (e.g. `kinds/types.ts`). */
function ownImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.map((s) => relative(SRC, resolve(dirname(file), s)).replace(/\.js$/, '.ts'));
}

const under = (prefix: string) => files(join(SRC, prefix)).map((f) => ({ file: relative(SRC, f), imports: ownImports(f) }));

describe('import boundaries', () => {
  it('model/ and errors.ts depend only on each other and util/', () => {
    for (const { file, imports } of [...under('model'), { file: 'errors.ts', imports: ownImports(join(SRC, 'errors.ts')) }]) {
      for (const imp of imports) expect(`${file} -> ${imp}`).toMatch(/ -> (model\/|util\/|errors\.ts)/);
    }
  });

  it('the engine never imports a concrete kind, driver, journal, source or server', () => {
    const allowed = /^(engine\/|model\/|util\/|errors\.ts|kinds\/types\.ts|drivers\/types\.ts)/;
    const found = under('engine').flatMap(({ file, imports }) => imports.filter((i) => !allowed.test(i)).map((i) => `${file} -> ${i}`));
    expect(found).toEqual([]);
  });

  it('kinds use drivers only through drivers/types.ts', () => {
    const found = under('kinds').flatMap(({ file, imports }) =>
      imports.filter((i) => i.startsWith('drivers/') && i !== 'drivers/types.ts').map((i) => `${file} -> ${i}`),
    );
    expect(found).toEqual([]);
  });

  it('drivers never import a kind (their Logger comes from util/)', () => {
    const found = under('drivers').flatMap(({ file, imports }) => imports.filter((i) => i.startsWith('kinds/')).map((i) => `${file} -> ${i}`));
    expect(found).toEqual([]);
  });

  it('the reconcile loop and the report do not reach into the HTTP server (metrics live in metrics/)', () => {
    // reconcile/daemon.ts is where the daemon is put together: it builds the server.
    const found = [...under('reconcile'), ...under('report')]
      .filter(({ file }) => file !== 'reconcile/daemon.ts')
      .flatMap(({ file, imports }) => imports.filter((i) => i.startsWith('server/')).map((i) => `${file} -> ${i}`));
    expect(found).toEqual([]);
  });

  it('kinds and drivers throw typed errors, never a plain Error (the error decides what happens next)', () => {
    // Files another change is moving to the state store; each keeps one plain Error until then.
    const pending = new Set(['kinds/shared/machines/key-store.ts', 'kinds/pool/restart-state.ts', 'kinds/cf-deployment/store.ts']);
    const plain = [...files(join(SRC, 'kinds')), ...files(join(SRC, 'drivers'))]
      .map((f) => relative(SRC, f))
      .filter((f) => !pending.has(f) && /\bnew Error\(/.test(readFileSync(join(SRC, f), 'utf8')));
    expect(plain).toEqual([]);
  });

  it('only cli/output.ts writes to stdout', () => {
    const writers = files(SRC)
      .filter((f) => /process\.stdout\.write|console\.log\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(writers).toEqual(['cli/output.ts']);
  });
});
