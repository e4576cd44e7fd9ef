/**
 * Crafted Git trees (built by the real git CLI, byte by byte) must never write outside the checkout: `..` entries,
 * names with `/`, `.git` and its NTFS/HFS spellings, a name twice in one tree (a symlink and a directory sharing a
 * path), whether the tree arrives over smart HTTP (isomorphic-git), through the git CLI (the SSH source's path), or
 * is handed to materialise directly. A refused tree names the commit and the entry, and leaves nothing behind.
 */
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReconcileError, StalledError } from '../../src/errors.js';
import { materialise } from '../../src/source/checkout.js';
import { createGitSource } from '../../src/source/git.js';
import { createGitSshSource } from '../../src/source/git-ssh.js';
import { refusedEntryName } from '../../src/source/tree-names.js';
import { writeListing } from '../../src/source/tree.js';
import { git } from '../harness/git-cli.js';
import { craftBlob, craftChain, craftCommit, craftTree, type CraftEntry } from '../harness/git-craft.js';
import { startGitServer, type GitServer } from '../harness/git-server.js';
import { tempDir } from '../harness/tmp.js';

/** What `p` rejected with (undefined when it resolved), so a test checks the world first and the error after. */
function settle(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

function refusal(err: unknown): ReconcileError {
  expect(err).toBeInstanceOf(ReconcileError);
  return err as ReconcileError;
}

async function rejection(p: Promise<unknown>): Promise<ReconcileError> {
  return refusal(await settle(p));
}

/** A fresh bare repo in a fresh directory `base`, where a successful escape would land. */
async function bareRepo(): Promise<{ base: string; gitdir: string }> {
  const base = tempDir('tree-safety');
  const gitdir = join(base, 'repo.git');
  await git(base, 'init', '--quiet', '--bare', '--initial-branch=main', gitdir);
  return { base, gitdir };
}

/**
 * `a/../../../../pwned`: with checkouts written to `<base>/cache/checkouts/.tmp-*`, four `..` below `a` reach
 * `<base>`, so the unfixed writer puts `<base>/pwned` next to the cache.
 */
async function escapingCommit(gitdir: string, branch = 'main'): Promise<string> {
  const leaf: CraftEntry = { mode: '100644', name: 'pwned', oid: await craftBlob(gitdir, 'written outside the checkout\n') };
  const tree = await craftChain(gitdir, ['a', '..', '..', '..', '..'], leaf);
  return craftCommit(gitdir, tree, branch);
}

/** What is in a checkouts directory (none when it was never made): a refused tree leaves not even a temp dir. */
function leftovers(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Every path below `dir` (relative), to show nothing new appeared. */
function listAll(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

describe('tree entry names', () => {
  it.each([
    ['', 'empty name'],
    ['.', 'leave'],
    ['..', 'leave'],
    ['a/b', '"/"'],
    ['../../etc', '"/"'],
    ['x\0y', 'NUL'],
    ['.git', 'reserved'],
    ['.GIT', 'reserved'],
    ['.Git', 'reserved'],
    ['.git.', 'NTFS'],
    ['.git . ', 'NTFS'],
    ['git~1', 'NTFS'],
    ['GIT~1', 'NTFS'],
    ['.git::$INDEX_ALLOCATION', 'NTFS'],
    ['.g\u200cit', 'HFS+'],
    ['\ufeff.git', 'HFS+'],
  ])('%j is refused', (name, why) => {
    expect(refusedEntryName(name)).toContain(why);
  });

  it.each(['a', '.gitignore', '.github', '..a', 'a..', '...', 'git~2', '.gitmodules', 'x\\y', 'ünïcode'])('%j is an ordinary name', (name) => {
    expect(refusedEntryName(name)).toBeUndefined();
  });
});

describe('materialise refuses crafted trees', () => {
  it('a nested ".." entry: refused naming commit and entry, nothing written anywhere', async () => {
    const { base, gitdir } = await bareRepo();
    const commit = await escapingCommit(gitdir);
    const before = listAll(base);
    const outcome = await settle(materialise(gitdir, commit, join(base, 'cache', 'checkouts'), {}));
    expect(existsSync(join(base, 'pwned'))).toBe(false);
    const err = refusal(outcome);
    expect(err).toBeInstanceOf(StalledError);
    expect(err.reason).toBe('UnsafePath');
    expect(err.message).toContain(commit);
    expect(err.message).toContain('"a/.."');
    expect(listAll(base).filter((p) => !p.startsWith('cache'))).toEqual(before);
    expect(leftovers(join(base, 'cache', 'checkouts'))).toEqual([]);
  });

  it.each([['../../pwned'], ['..'], ['.git'], ['.GIT'], ['git~1'], ['.g\u200cit'], ['']])('a root entry named %j is refused', async (name) => {
    const { base, gitdir } = await bareRepo();
    const blob = await craftBlob(gitdir, 'x\n');
    const inner = await craftTree(gitdir, [{ mode: '100644', name: 'config', oid: blob }]);
    const tree = await craftTree(gitdir, [
      { mode: '100644', name: 'ok.yaml', oid: blob },
      name.includes('/') ? { mode: '100644', name, oid: blob } : { mode: '40000', name, oid: inner },
    ]);
    const commit = await craftCommit(gitdir, tree, 'main');
    const err = await rejection(materialise(gitdir, commit, join(base, 'cache', 'checkouts'), {}));
    expect(err.reason).toBe('UnsafePath');
    expect(err.message).toContain(JSON.stringify(name));
    expect(existsSync(join(base, 'pwned'))).toBe(false);
    expect(leftovers(join(base, 'cache', 'checkouts'))).toEqual([]);
  });

  it('a name twice in one tree is refused', async () => {
    const { base, gitdir } = await bareRepo();
    const tree = await craftTree(gitdir, [
      { mode: '100644', name: 'x.yaml', oid: await craftBlob(gitdir, 'first\n') },
      { mode: '100644', name: 'x.yaml', oid: await craftBlob(gitdir, 'second\n') },
    ]);
    const commit = await craftCommit(gitdir, tree, 'main');
    const err = await rejection(materialise(gitdir, commit, join(base, 'cache', 'checkouts'), {}));
    expect(err.reason).toBe('UnsafePath');
    expect(err.message).toMatch(/"x\.yaml".*twice/);
  });

  it('a symlink and a directory of the same name cannot write through the link, even into a recycled checkout', async () => {
    const { base, gitdir } = await bareRepo();
    const outside = join(base, 'outside');
    mkdirSync(outside);
    const link: CraftEntry = { mode: '120000', name: 'a', oid: await craftBlob(gitdir, outside) };
    const file = (text: string): Promise<string> => craftBlob(gitdir, text);
    const c1 = await craftCommit(gitdir, await craftTree(gitdir, [link, { mode: '100644', name: 'x', oid: await file('1\n') }]), 'main');
    const c2 = await craftCommit(gitdir, await craftTree(gitdir, [link, { mode: '100644', name: 'x', oid: await file('2\n') }]), 'main', c1);
    const passwd = await craftTree(gitdir, [{ mode: '100644', name: 'passwd', oid: await file('root::0:0::/:/bin/sh\n') }]);
    const c3 = await craftCommit(gitdir, await craftTree(gitdir, [link, { mode: '40000', name: 'a', oid: passwd }, { mode: '100644', name: 'x', oid: await file('3\n') }]), 'main', c2);
    const checkouts = join(base, 'cache', 'checkouts');
    await materialise(gitdir, c1, checkouts, {});
    await materialise(gitdir, c2, checkouts, {}, { previous: { commit: c1 } });
    // c1's checkout (holding the symlink `a`) is recycled into c3's: the unfixed writer follows `a` into outside/.
    const outcome = await settle(materialise(gitdir, c3, checkouts, {}, { previous: { commit: c2 }, recycle: { commit: c1 } }));
    expect(readdirSync(outside)).toEqual([]);
    const err = refusal(outcome);
    expect(err.reason).toBe('UnsafePath');
    expect(err.message).toContain(c3);
    expect(err.message).toContain('"a"');
    expect(readdirSync(outside)).toEqual([]);
  });
});

describe('writeListing never writes through a link or outside its root', () => {
  it('refuses a directory that exists as a symlink', async () => {
    const { base, gitdir } = await bareRepo();
    const outside = join(base, 'outside');
    mkdirSync(outside);
    const root = join(base, 'root');
    mkdirSync(root);
    symlinkSync(outside, join(root, 'a'));
    const oid = await craftBlob(gitdir, 'x\n');
    const err = await rejection(writeListing({ gitdir, cache: {}, store: undefined, root, listing: new Map([['a/passwd', `100644:${oid}`]]), reuse: undefined }));
    expect(err.reason).toBe('UnsafePath');
    expect(readdirSync(outside)).toEqual([]);
  });

  it('refuses a listing path with ".." and a file where a link already is', async () => {
    const { base, gitdir } = await bareRepo();
    const root = join(base, 'root');
    mkdirSync(root);
    const oid = await craftBlob(gitdir, 'x\n');
    const escape = await rejection(writeListing({ gitdir, cache: {}, store: undefined, root, listing: new Map([['../pwned', `100644:${oid}`]]), reuse: undefined }));
    expect(escape.reason).toBe('UnsafePath');
    expect(existsSync(join(base, 'pwned'))).toBe(false);
    symlinkSync(join(base, 'target'), join(root, 'f'));
    await expect(writeListing({ gitdir, cache: {}, store: undefined, root, listing: new Map([['f', `100644:${oid}`]]), reuse: undefined })).rejects.toThrow(/EEXIST/);
    expect(existsSync(join(base, 'target'))).toBe(false);
  });
});

describe('sources refuse crafted trees end to end', () => {
  let server: GitServer;
  beforeAll(async () => {
    server = await startGitServer();
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('over smart HTTP (isomorphic-git): refused, nothing outside the checkout', async () => {
    const gitdir = await server.createBareRepo('evil.git');
    const commit = await escapingCommit(gitdir);
    const base = tempDir('tree-safety-http');
    const src = createGitSource({ url: server.url('evil.git'), ref: 'main', cacheDir: join(base, 'cache') });
    const outcome = await settle(src.fetch());
    expect(existsSync(join(base, 'pwned'))).toBe(false);
    const err = refusal(outcome);
    expect(err.reason).toBe('UnsafePath');
    expect(err.message).toContain(commit);
    expect(readdirSync(base)).toEqual(['cache']);
  });

  it('through the git CLI (the SSH source, here over file://): refused, nothing outside the checkout', async () => {
    const { gitdir } = await bareRepo();
    const commit = await escapingCommit(gitdir);
    const base = tempDir('tree-safety-cli');
    const src = createGitSshSource({ url: `file://${gitdir}`, ref: 'main', cacheDir: join(base, 'cache'), knownHostsFile: join(base, 'state', 'known_hosts') });
    const outcome = await settle(src.fetch());
    expect(existsSync(join(base, 'pwned'))).toBe(false);
    const err = refusal(outcome);
    expect(err.reason).toBe('UnsafePath');
    expect(err.message).toContain(commit);
    expect(readdirSync(base).sort()).toEqual(['cache', 'state']);
  });
});
