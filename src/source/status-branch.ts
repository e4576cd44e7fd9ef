/**
 * Writes status reports back to Git on a branch of their own (default `driftless/status`), the way Flux and Argo CD
 * report back, but without their pain points: never a force push (a human or a second daemon pushing to the same
 * branch is never overwritten), and on a rejected push we fetch the new tip, rebuild our commit on top of it and
 * retry a bounded number of times with jitter. Only the status branch is ever pushed. Each commit's tree is exactly
 * the given files (the latest report replaces the previous one; history keeps the old ones).
 */
import * as fs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import git, { type TreeEntry } from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { TransientError } from '../errors.js';
import { sanitize } from '../util/sanitize.js';
import { authCallbacks, authHeaders } from './git-auth.js';
import { toSourceError, withTimeout } from './git-errors.js';
import type { ResolvedGitAuth } from './types.js';

export interface CommitStatusOptions {
  url: string;
  auth?: ResolvedGitAuth;
  /** Branch name without `refs/heads/`; default `driftless/status`. */
  branch?: string;
  /** Path (POSIX, may contain `/`) -> content. The commit's tree holds exactly these files. */
  files: Record<string, string>;
  message: string;
  author?: { name: string; email: string };
  /** Directory owned by the status writer (a small bare repo). */
  cacheDir: string;
  /** Total push attempts; default 5. */
  maxAttempts?: number;
  timeoutMs?: number;
  /** Test seam: runs after the tip was fetched and before the push, to provoke a race deterministically. */
  beforePush?: (attempt: number) => Promise<void>;
}

const RETRYABLE = new Set(['PushRejectedError', 'GitPushError', 'NotFoundError']);
const locks = new Map<string, Promise<unknown>>();

/**
 * Commits `files` on top of the status branch and pushes without force; returns the commit now at the branch tip.
 * When the tree equals the current tip's tree nothing is pushed and the tip is returned (no noise commits).
 * Calls sharing a cacheDir are serialised in-process; separate writers race through the server, which is safe.
 */
export async function commitStatus(opts: CommitStatusOptions): Promise<string> {
  const key = opts.cacheDir;
  const prev = locks.get(key) ?? Promise.resolve();
  const run = prev.then(
    () => commitWithRetry(opts),
    () => commitWithRetry(opts),
  );
  const settled = run.catch(() => undefined);
  locks.set(key, settled);
  void settled.then(() => {
    if (locks.get(key) === settled) locks.delete(key);
  });
  return run;
}

async function commitWithRetry(opts: CommitStatusOptions): Promise<string> {
  const branch = opts.branch ?? 'driftless/status';
  const fullRef = `refs/heads/${branch}`;
  const gitdir = join(opts.cacheDir, 'status.git');
  const safeUrl = sanitize(opts.url);
  const what = `status push to ${safeUrl}#${branch}`;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const maxAttempts = opts.maxAttempts ?? 5;
  const author = { ...(opts.author ?? { name: 'driftless', email: 'driftless@localhost' }), timezoneOffset: 0 };
  const net = { http, url: opts.url, ...authCallbacks(opts.auth) };
  const headers = (): Record<string, string> => authHeaders(opts.auth);
  if (!fs.existsSync(join(gitdir, 'HEAD'))) {
    await mkdir(gitdir, { recursive: true });
    await git.init({ fs, gitdir, bare: true });
    await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
  }
  const tree = await writeFilesTree(gitdir, opts.files);

  let lastErr: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let parent: string | undefined;
    try {
      const res = await withTimeout(
        git.fetch({ ...net, headers: headers(), fs, gitdir, ref: fullRef, remoteRef: fullRef, singleBranch: true, depth: 1, tags: false }),
        timeoutMs,
        what,
      );
      parent = res.fetchHead ?? undefined;
    } catch (err) {
      if ((err as { code?: string }).code !== 'NotFoundError') throw toSourceError(err, what);
    }
    if (parent) {
      const { commit } = await git.readCommit({ fs, gitdir, oid: parent });
      if (commit.tree === tree) return parent;
    }
    const timestamp = Math.floor(Date.now() / 1000);
    const oid = await git.writeCommit({
      fs,
      gitdir,
      commit: {
        message: opts.message.endsWith('\n') ? opts.message : `${opts.message}\n`,
        tree,
        parent: parent ? [parent] : [],
        author: { ...author, timestamp },
        committer: { ...author, timestamp },
      },
    });
    await git.writeRef({ fs, gitdir, ref: fullRef, value: oid, force: true });
    try {
      await opts.beforePush?.(attempt);
      await withTimeout(
        git.push({ ...net, headers: headers(), fs, gitdir, ref: fullRef, remoteRef: fullRef, force: false }),
        timeoutMs,
        what,
      );
      return oid;
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (!RETRYABLE.has(code)) throw toSourceError(err, what);
      lastErr = err;
      await new Promise((r) => setTimeout(r, 50 * attempt + Math.floor(Math.random() * 100 * attempt)));
    }
  }
  throw new TransientError('SourceUnavailable', `${what}: still rejected after ${maxAttempts} attempts`, {
    cause: lastErr,
  });
}

/** Writes blobs and nested trees for `files`; returns the root tree id. */
async function writeFilesTree(gitdir: string, files: Record<string, string>): Promise<string> {
  interface Dir {
    files: Map<string, string>;
    dirs: Map<string, Dir>;
  }
  const root: Dir = { files: new Map(), dirs: new Map() };
  for (const [path, content] of Object.entries(files)) {
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.length === 0 || parts.includes('..')) throw new Error(`invalid status file path ${path}`);
    let cur = root;
    for (const p of parts.slice(0, -1)) {
      let next = cur.dirs.get(p);
      if (!next) cur.dirs.set(p, (next = { files: new Map(), dirs: new Map() }));
      cur = next;
    }
    cur.files.set(parts[parts.length - 1] as string, content);
  }
  const write = async (d: Dir): Promise<string> => {
    const entries: TreeEntry[] = [];
    for (const [name, content] of d.files) {
      const oid = await git.writeBlob({ fs, gitdir, blob: Buffer.from(content, 'utf8') });
      entries.push({ mode: '100644', path: name, oid, type: 'blob' });
    }
    for (const [name, sub] of d.dirs) entries.push({ mode: '040000', path: name, oid: await write(sub), type: 'tree' });
    return git.writeTree({ fs, gitdir, tree: entries });
  };
  return write(root);
}
