/**
 * Confines a path a config author names (a template `source`, a CF `release.dir`, a Dockerfile `path` in a fetched
 * repo) to the directory it is meant to be in. Checking the text (`resolve` + prefix) is not enough: the repo
 * itself can hold a symlink `t -> /etc` or `t -> ../../..`, and `readFile` follows it. So the path is resolved
 * here one component at a time, expanding symlinks by hand, and refused the moment it would step out of the
 * root or meet an absolute link target: nothing outside the root is ever looked at (not even with lstat, so a
 * refusal says nothing about what exists on the daemon machine).
 *
 * Synchronous on purpose: a few lstat calls, used by the loader (synchronous) and by readers at use time alike.
 */
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { StalledError } from '../errors.js';

export type PathType = 'file' | 'dir';

/** Symlinks followed for one path before it is called a loop (Linux's own limit is 40). */
const MAX_LINKS = 40;

/** Why `rel` cannot name a path inside a root, judged on its text alone; undefined when it can. */
export function relativePathProblem(rel: string): string | undefined {
  if (rel === '') return 'is empty';
  if (rel.includes('\0')) return 'contains NUL';
  if (rel.includes('\\')) return 'contains a backslash';
  if (/[\r\n]/.test(rel)) return 'contains a line break';
  if (rel.startsWith('/')) return 'is absolute';
  if (rel.split('/').includes('..')) return 'has a ".." segment';
  return undefined;
}

/** True for a path an author may name on a host they declare: absolute, normalised, no `..`, no odd characters. */
export function isCleanAbsolutePath(p: string): boolean {
  return /^\/[A-Za-z0-9_./-]*$/.test(p) && !p.includes('//') && !p.split('/').some((s) => s === '..' || s === '.');
}

/**
 * The real path of `rel` under `root`, which must exist as `type` and resolve (through any symlinks) inside
 * `root`. Throws StalledError `UnsafePath` when the text or a link leads out, `ReferenceInvalid` when it is missing
 * or of the wrong type; `what` names the field for the message, e.g. `source`.
 */
export function resolveInside(root: string, rel: string, type: PathType, what = 'path'): string {
  const named = `${what} ${JSON.stringify(rel)}`;
  const lexical = relativePathProblem(rel);
  if (lexical) throw new StalledError('UnsafePath', `${named} ${lexical}; it must be a relative path inside the repository`);
  const realRoot = realpathSync(root);
  const isInside = (p: string): boolean => p === realRoot || p.startsWith(realRoot + sep);
  const parts = rel.split('/');
  let cur = realRoot;
  let links = 0;
  while (parts.length > 0) {
    const part = parts.shift() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      cur = dirname(cur);
      if (!isInside(cur)) throw new StalledError('UnsafePath', `${named} leads outside the repository through a symlink`);
      continue;
    }
    const next = join(cur, part);
    let st;
    try {
      st = lstatSync(next);
    } catch (err) {
      throw new StalledError('ReferenceInvalid', `${named} not found in the repository`, { cause: err });
    }
    if (!st.isSymbolicLink()) {
      cur = next;
      continue;
    }
    if (++links > MAX_LINKS) throw new StalledError('UnsafePath', `${named}: too many levels of symlinks`);
    const target = readlinkSync(next);
    if (target.startsWith('/')) throw new StalledError('UnsafePath', `${named} leads outside the repository through an absolute symlink`);
    parts.unshift(...target.split('/'));
  }
  const st = lstatSync(cur);
  if (type === 'file' ? !st.isFile() : !st.isDirectory()) {
    throw new StalledError('ReferenceInvalid', `${named} is not a ${type === 'file' ? 'regular file' : 'directory'}`);
  }
  return cur;
}
