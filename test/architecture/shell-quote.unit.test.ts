/**
 * Issue 14: one quoting helper for shell words (src/util/shell.ts). A second hand-written copy is how one place ends
 * up quoting with double quotes or JSON.stringify (which let `$(...)` run, as init step names did); this scans src/.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/paths.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('shell quoting', () => {
  it('has exactly one implementation, in src/util/shell.ts', () => {
    const copies = sources(join(REPO_ROOT, 'src'))
      .filter((f) => /replace\(\/'\/g/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(REPO_ROOT, f));
    expect(copies).toEqual(['src/util/shell.ts']);
  });

  it('no command line places a value with JSON.stringify, which leaves $(...) and backticks live', () => {
    const offenders = sources(join(REPO_ROOT, 'src'))
      .filter((f) => readFileSync(f, 'utf8').split('\n').some((l) => /printf|echo|sh -c|bash -c/.test(l) && /\$\{JSON\.stringify\(/.test(l)))
      .map((f) => relative(REPO_ROOT, f));
    expect(offenders).toEqual([]);
  });
});
