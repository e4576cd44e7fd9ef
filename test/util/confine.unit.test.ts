/** resolveInside: the one helper every reader of an author-named path goes through; real files and symlinks. */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StalledError } from '../../src/errors.js';
import { isCleanAbsolutePath, relativePathProblem, resolveInside } from '../../src/util/confine.js';
import { tempDir } from '../harness/tmp.js';

describe('relativePathProblem', () => {
  it.each([
    ['', 'empty'],
    ['/etc/passwd', 'absolute'],
    ['../../etc/passwd', '".."'],
    ['a/../../b', '".."'],
    ['a/..', '".."'],
    ['a\\..\\b', 'backslash'],
    ['a\0b', 'NUL'],
    ['a\nb', 'line break'],
  ])('%j is refused', (rel, why) => {
    expect(relativePathProblem(rel)).toContain(why);
  });

  it.each(['a', 'a/b.conf', './a', '.', 'a/./b', '..a/b..', 'cf/release'])('%j is fine', (rel) => {
    expect(relativePathProblem(rel)).toBeUndefined();
  });
});

describe('isCleanAbsolutePath', () => {
  it.each([
    ['/etc/driftless/nginx/u', true],
    ['/srv/nginx-1.2', true],
    ['/etc/../root', false],
    ['/etc/./x', false],
    ['//x', false],
    ['relative', false],
    ['/a;rm -rf /', false],
    ['/a\nb', false],
  ])('%j -> %s', (p, ok) => {
    expect(isCleanAbsolutePath(p)).toBe(ok);
  });
});

describe('resolveInside', () => {
  const world = (): { base: string; repo: string } => {
    const base = tempDir('confine');
    const repo = join(base, 'repo');
    mkdirSync(join(repo, 'tpl', 'deep'), { recursive: true });
    writeFileSync(join(repo, 'tpl', 'a.conf'), 'inside\n');
    writeFileSync(join(base, 'secret'), 'outside\n');
    symlinkSync('a.conf', join(repo, 'tpl', 'same-dir-link'));
    symlinkSync('../../tpl', join(repo, 'tpl', 'deep', 'up'));
    symlinkSync(join(base, 'secret'), join(repo, 'abs-link'));
    symlinkSync('../secret', join(repo, 'rel-link'));
    symlinkSync('..', join(repo, 'parent'));
    symlinkSync('loop-b', join(repo, 'loop-a'));
    symlinkSync('loop-a', join(repo, 'loop-b'));
    return { base, repo };
  };

  it('resolves plain files, directories and links that stay inside', () => {
    const { repo } = world();
    expect(resolveInside(repo, 'tpl/a.conf', 'file')).toBe(join(repo, 'tpl', 'a.conf'));
    expect(resolveInside(repo, 'tpl/same-dir-link', 'file')).toBe(join(repo, 'tpl', 'a.conf'));
    expect(resolveInside(repo, 'tpl/deep/up/a.conf', 'file')).toBe(join(repo, 'tpl', 'a.conf'));
    expect(resolveInside(repo, 'tpl', 'dir')).toBe(join(repo, 'tpl'));
    expect(resolveInside(repo, '.', 'dir')).toBe(repo);
  });

  it.each([
    ['../secret', 'UnsafePath', '".." segment'],
    ['/etc/passwd', 'UnsafePath', 'absolute'],
    ['abs-link', 'UnsafePath', 'absolute symlink'],
    ['rel-link', 'UnsafePath', 'outside the repository'],
    ['parent/secret', 'UnsafePath', 'outside the repository'],
    ['parent', 'UnsafePath', 'outside the repository'],
    ['loop-a', 'UnsafePath', 'too many levels'],
    ['missing.conf', 'ReferenceInvalid', 'not found'],
    ['tpl', 'ReferenceInvalid', 'not a regular file'],
  ])('%j is refused (%s)', (rel, reason, text) => {
    const { repo } = world();
    let err: unknown;
    try {
      resolveInside(repo, rel, 'file', 'source');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StalledError);
    expect((err as StalledError).reason).toBe(reason);
    expect((err as StalledError).message).toContain(text);
    expect((err as StalledError).message).toContain(`source ${JSON.stringify(rel)}`);
  });
});
