/**
 * Materialises the tree of one commit into its own directory: written into a temp directory, verified file by
 * file, then renamed into place. Rename is atomic, so a directory named after a commit is always complete: a crash
 * mid-write leaves only a `.tmp-*` directory that is removed later and never believed.
 */
import * as fs from 'node:fs';
import { chmod, lstat, mkdir, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { StalledError } from '../errors.js';

export interface MaterialiseResult {
  dir: string;
  files: number;
  /** True when the checkout already existed (no write). */
  reused: boolean;
}

/** Mode of a tree entry as stored by git. */
type Mode = '100644' | '100755' | '120000' | '040000' | '160000' | string;

/** Resolves an annotated tag (possibly nested) to its commit; fails on anything that is not a commit in the end. */
export async function peelToCommit(gitdir: string, oid: string, cache: object): Promise<string> {
  let cur = oid;
  for (let i = 0; i < 10; i++) {
    const obj = await git.readObject({ fs, gitdir, oid: cur, cache, format: 'parsed' });
    if (obj.type === 'commit') return cur;
    if (obj.type !== 'tag') throw new Error(`object ${oid} is a ${obj.type}, not a commit`);
    cur = (obj.object as { object: string }).object;
  }
  throw new Error(`tag chain at ${oid} is too deep`);
}

/**
 * Writes the tree of `commit` to `<checkoutsDir>/<commit>` unless it is already there. Refuses an empty tree (an
 * empty source must never look like "delete everything") and verifies every written path before publishing.
 */
export async function materialise(
  gitdir: string,
  commit: string,
  checkoutsDir: string,
  cache: object,
): Promise<MaterialiseResult> {
  const target = join(checkoutsDir, commit);
  if (await exists(target)) return { dir: target, files: await countFiles(target), reused: true };
  await mkdir(checkoutsDir, { recursive: true });
  const tmp = join(checkoutsDir, `.tmp-${commit}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    await mkdir(tmp);
    const { commit: c } = await git.readCommit({ fs, gitdir, oid: commit, cache });
    const written: string[] = [];
    await writeTree(gitdir, c.tree, tmp, '', cache, written);
    if (written.length === 0) {
      throw new StalledError('SourceUnavailable', `commit ${commit} has an empty tree; refusing to use it`);
    }
    for (const rel of written) {
      const st = await lstat(join(tmp, rel)).catch(() => undefined);
      if (!st) throw new Error(`checkout of ${commit} is incomplete: ${rel} is missing`);
    }
    try {
      await rename(tmp, target);
    } catch (err) {
      // Another writer published the same commit first; theirs is complete by construction.
      if (!(await exists(target))) throw err;
      await rm(tmp, { recursive: true, force: true });
    }
    return { dir: target, files: written.length, reused: false };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function writeTree(
  gitdir: string,
  treeOid: string,
  root: string,
  prefix: string,
  cache: object,
  written: string[],
): Promise<void> {
  const { tree } = await git.readTree({ fs, gitdir, oid: treeOid, cache });
  await Promise.all(
    tree.map(async (entry) => {
      const rel = prefix ? `${prefix}/${entry.path}` : entry.path;
      const abs = join(root, rel);
      const mode: Mode = entry.mode;
      if (entry.type === 'tree') {
        await mkdir(abs);
        await writeTree(gitdir, entry.oid, root, rel, cache, written);
        return;
      }
      // Submodules (mode 160000) are not fetched: their content lives in another repository.
      if (entry.type === 'commit') return;
      const { blob } = await git.readBlob({ fs, gitdir, oid: entry.oid, cache });
      if (mode === '120000') await symlink(Buffer.from(blob).toString('utf8'), abs);
      else {
        await writeFile(abs, blob);
        if (mode === '100755') await chmod(abs, 0o755);
      }
      written.push(rel);
    }),
  );
}

/** Removes checkouts other than `keep` and every leftover temp directory of an interrupted write. */
export async function pruneCheckouts(checkoutsDir: string, keep: string[]): Promise<string[]> {
  const names = await readdir(checkoutsDir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (keep.includes(name)) continue;
    if (name.startsWith('.tmp-') && name.includes(`-${process.pid}-`)) continue;
    await rm(join(checkoutsDir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

async function countFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => !e.isDirectory()).length;
}
