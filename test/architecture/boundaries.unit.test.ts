/**
 * Keeps the dependency direction of architecture.md: model/ and errors.ts import nothing of ours but util/;
 * the engine imports only model/, errors.ts, util/ and the contract types; kinds reach drivers only through
 * drivers/types.ts; only cli/output.ts writes to stdout.
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

  it('only cli/output.ts writes to stdout', () => {
    const writers = files(SRC)
      .filter((f) => /process\.stdout\.write|console\.log\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(writers).toEqual(['cli/output.ts']);
  });
});
