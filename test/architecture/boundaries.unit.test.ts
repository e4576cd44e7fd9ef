/**
 * Keeps the dependency direction of architecture.md: model/ and errors.ts import nothing of ours but util/;
 * the engine imports only model/, errors.ts, util/ and the contract types; kinds reach drivers only through
 * drivers/types.ts; only cli/output.ts writes to stdout; kinds keep their state in the state store, not in files;
 * a kind sees another kind only through its public.ts, never source/ or lab/; server/ never imports a kind.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/paths.js';

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

/** `node:fs`, `fs`, `node:fs/promises` or `fs/promises`, imported or required. */
const FS_IMPORT = /(?:from\s+|import\(\s*|require\(\s*)['"](?:node:)?fs(?:\/promises)?['"]/;

/** Files under src/kinds that may import node:fs, and why: none of them keeps state (that is ctx.store's job). */
const KINDS_FS_ALLOWED: Record<string, string> = {
  'kinds/image-project/apply.ts': 'streams build logs to <state-dir>/builds and keeps the last 20: local diagnostics, not shared state',
  'kinds/image-project/inputs.ts': 'reads a Dockerfile from a Git checkout it fetched into <state-dir>/cache (confined by util/confine)',
  'kinds/nginx-unit/render.ts': 'reads the unit template source from the config repo (confined by util/confine)',
  'kinds/cf-deployment/release.ts': 'reads the release directory from the config repo to upload it (confined by util/confine)',
};

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
    const plain = [...files(join(SRC, 'kinds')), ...files(join(SRC, 'drivers'))]
      .map((f) => relative(SRC, f))
      .filter((f) => /\bnew Error\(/.test(readFileSync(join(SRC, f), 'utf8')));
    expect(plain).toEqual([]);
  });

  it('kinds touch the file system only where the allow-list says why; state goes through ctx.store', () => {
    const found = files(join(SRC, 'kinds'))
      .filter((f) => FS_IMPORT.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f))
      .sort();
    // Fails both ways: a new file writing its own files, and an entry left on the list after its reason went away.
    expect(found).toEqual(Object.keys(KINDS_FS_ALLOWED).sort());
  });

  it('kinds use ctx.stateDir only for real local directories (caches, build logs)', () => {
    const found = files(join(SRC, 'kinds'))
      .filter((f) => /\bstateDir\b/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f))
      .sort();
    expect(found).toEqual(['kinds/image-project/apply.ts', 'kinds/image-project/inputs.ts', 'kinds/types.ts']);
  });

  it('production code does not depend on the lab: only main.ts (the composition root), cli/ and the lab provider import lab/', () => {
    const allowed = (file: string) => file === 'main.ts' || file.startsWith('cli/') || file.startsWith('lab/') || file.startsWith('drivers/lab-provider/');
    const found = files(SRC)
      .map((f) => ({ file: relative(SRC, f), imports: ownImports(f) }))
      .filter(({ file }) => !allowed(file))
      .flatMap(({ file, imports }) => imports.filter((i) => i.startsWith('lab/')).map((i) => `${file} -> ${i}`));
    expect(found).toEqual([]);
  });

  it("a kind imports another kind only through its public face (public.ts); the registry may also take index.ts", () => {
    // kinds/shared/ is the common ground (step resolution, problemAt, hostTarget): anyone may use it, and it
    // reaches the kinds it builds on through their faces too. kinds/types.ts is the contract, not a kind.
    const kindOf = (path: string): string | undefined => (path.split('/').length > 2 ? path.split('/')[1] : undefined);
    const found = under('kinds').flatMap(({ file, imports }) =>
      imports
        .filter((i) => i.startsWith('kinds/'))
        .filter((i) => {
          const target = kindOf(i);
          if (target === undefined || target === 'shared' || target === kindOf(file)) return false;
          if (i.endsWith('/public.ts')) return false;
          return !(file === 'kinds/registry.ts' && i.endsWith('/index.ts'));
        })
        .map((i) => `${file} -> ${i}`),
    );
    expect(found).toEqual([]);
  });

  it('kinds never import source/ or lab/ (Git comes as ctx.drivers.git; the lab is the CLI\'s business)', () => {
    const found = under('kinds').flatMap(({ file, imports }) =>
      imports.filter((i) => i.startsWith('source/') || i.startsWith('lab/')).map((i) => `${file} -> ${i}`),
    );
    expect(found).toEqual([]);
  });

  it('server/ never imports a kind (the DE routes read model/deployment-view.ts, which the CF kind implements)', () => {
    const found = under('server').flatMap(({ file, imports }) => imports.filter((i) => i.startsWith('kinds/')).map((i) => `${file} -> ${i}`));
    expect(found).toEqual([]);
  });

  it('only cli/output.ts writes to stdout', () => {
    const writers = files(SRC)
      .filter((f) => /process\.stdout\.write|console\.log\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(writers).toEqual(['cli/output.ts']);
  });
});
