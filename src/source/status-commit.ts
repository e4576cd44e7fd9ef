/**
 * The transport-independent half of the status write-back: a small bare repo of its own, the report turned into a
 * tree (exactly the given files), a commit on top of the remote tip with a fixed author, and the bounded
 * fetch-rebuild-push loop that never forces. HTTP (isomorphic-git) and SSH (the git CLI) only differ in how the
 * tip is fetched and how the branch is pushed, so both plug a `StatusTransport` into `commitStatusVia` and the
 * guarantees (no force, no noise commits, no lost concurrent commit) hold for both by construction.
 */
import * as fs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TreeEntry } from 'isomorphic-git';
import { git } from './isogit.js';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { TransientError } from '../errors.js';
import { writeLooseObject } from './loose-object.js';

/** What every status writer takes, whatever the transport. */
export interface StatusCommitOptions {
  /** Branch name without `refs/heads/`; default `driftless/status`. */
  branch?: string;
  /** Path (POSIX, may contain `/`) -> content: the files driftless writes this time. */
  files: Record<string, string>;
  /**
   * Which paths of the branch driftless owns (a directory path owns everything under it). Files it does not own,
   * e.g. notes people added to the status branch, are carried over from the tip unchanged; owned files not in
   * `files` are removed. Default: every path, so the tree holds exactly `files`.
   */
  owns?: (path: string) => boolean;
  /**
   * Directories (paths without a trailing `/`) that may hold owned paths although `files` has nothing under them:
   * they are walked, so an owned file there is removed (a closed pull request's `previews/<n>.md`). Default: none.
   */
  ownsBelow?: (dir: string) => boolean;
  message: string;
  author?: { name: string; email: string };
  /** Directory owned by the status writer (a small bare repo). */
  cacheDir: string;
  /** Total push attempts; default 5. */
  maxAttempts?: number;
  /** Test seam: runs after the tip was fetched and before the push, to provoke a race deterministically. */
  beforePush?: (attempt: number) => Promise<void>;
}

/** The outcome of one non-forced push: landed, or refused because the remote moved (then we rebuild and retry). */
export type PushOutcome = { ok: true } | { ok: false; cause: unknown };

/** How one remote is reached. Errors other than a rejected push are thrown, typed, and end the attempt loop. */
export interface StatusTransport {
  /** Names the operation in messages, credentials removed, e.g. `status push to ssh://host/repo.git#branch`. */
  what: string;
  /** Downloads the remote tip of `fullRef` into `gitdir`; undefined when the branch does not exist yet. */
  fetchTip(gitdir: string, fullRef: string): Promise<string | undefined>;
  /** Pushes the local `fullRef` to the same remote ref, never forced. */
  push(gitdir: string, fullRef: string): Promise<PushOutcome>;
}

const locks = new Map<string, Promise<unknown>>();

/**
 * Commits `files` on top of the status branch and pushes without force; returns the commit now at the branch tip.
 * When the tree equals the current tip's tree nothing is pushed and the tip is returned (no noise commits).
 * Calls sharing a cacheDir are serialised in-process; separate writers race through the server, which is safe.
 */
export function commitStatusVia(transport: StatusTransport, opts: StatusCommitOptions): Promise<string> {
  const key = opts.cacheDir;
  const prev = locks.get(key) ?? Promise.resolve();
  const run = prev.then(
    () => commitWithRetry(transport, opts),
    () => commitWithRetry(transport, opts),
  );
  const settled = run.catch(() => undefined);
  locks.set(key, settled);
  void settled.then(() => {
    if (locks.get(key) === settled) locks.delete(key);
  });
  return run;
}

async function commitWithRetry(transport: StatusTransport, opts: StatusCommitOptions): Promise<string> {
  const fullRef = `refs/heads/${opts.branch ?? 'driftless/status'}`;
  const gitdir = join(opts.cacheDir, 'status.git');
  const maxAttempts = opts.maxAttempts ?? 5;
  const author = { ...(opts.author ?? { name: 'driftless', email: 'driftless@localhost' }), timezoneOffset: 0 };
  if (!fs.existsSync(join(gitdir, 'HEAD'))) {
    await mkdir(gitdir, { recursive: true });
    await git.init({ fs, gitdir, bare: true });
    await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
  }
  const owned = await writeFileBlobs(gitdir, opts.files);
  const owns = opts.owns ?? (() => true);
  const below = opts.ownsBelow ?? (() => false);

  let lastErr: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const parent = await transport.fetchTip(gitdir, fullRef);
    const base = parent ? (await git.readCommit({ fs, gitdir, oid: parent })).commit.tree : undefined;
    const tree = await composeTree(gitdir, owned, base, owns, below, '');
    if (parent && base === tree) return parent;
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
    // Local ref only (our private cache repo); the push below is never forced.
    await git.writeRef({ fs, gitdir, ref: fullRef, value: oid, force: true });
    await opts.beforePush?.(attempt);
    const pushed = await transport.push(gitdir, fullRef);
    if (pushed.ok) return oid;
    lastErr = pushed.cause;
    await new Promise((r) => setTimeout(r, 50 * attempt + Math.floor(Math.random() * 100 * attempt)));
  }
  throw new TransientError('SourceUnavailable', `${transport.what}: still rejected after ${maxAttempts} attempts`, {
    cause: lastErr,
  });
}

interface Dir {
  files: Map<string, string>;
  dirs: Map<string, Dir>;
}

/** Writes a blob per file (once per status write, whatever the attempts); returns them as a directory structure. */
async function writeFileBlobs(gitdir: string, files: Record<string, string>): Promise<Dir> {
  const root: Dir = { files: new Map(), dirs: new Map() };
  let written = 0;
  for (const [path, content] of Object.entries(files)) {
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.length === 0 || parts.includes('..')) throw new Error(`invalid status file path ${path}`);
    let cur = root;
    for (const p of parts.slice(0, -1)) {
      let next = cur.dirs.get(p);
      if (!next) cur.dirs.set(p, (next = { files: new Map(), dirs: new Map() }));
      cur = next;
    }
    // Synchronous and native (see loose-object.ts); the loop yields now and then so HTTP stays answered.
    if (++written % 250 === 0) await yieldToLoop();
    cur.files.set(parts[parts.length - 1] as string, writeLooseObject(gitdir, 'blob', Buffer.from(content, 'utf8')));
  }
  return root;
}

/**
 * The tree of `dir` laid over `base` (the tip's tree at the same path): entries of `base` that driftless does not
 * own are kept as they are (a foreign subtree by its id, never read), owned ones are replaced by `dir`'s.
 */
async function composeTree(
  gitdir: string,
  dir: Dir,
  base: string | undefined,
  owns: (path: string) => boolean,
  below: (dir: string) => boolean,
  prefix: string,
): Promise<string> {
  const entries = new Map<string, TreeEntry>();
  const baseDirs = new Map<string, string>();
  if (base) {
    for (const e of (await git.readTree({ fs, gitdir, oid: base })).tree) {
      const path = prefix + e.path;
      if (e.type === 'tree' && (dir.dirs.has(e.path) || below(path)) && !owns(path)) {
        baseDirs.set(e.path, e.oid);
        if (!dir.dirs.has(e.path)) dir.dirs.set(e.path, { files: new Map(), dirs: new Map() });
      } else if (!owns(path)) entries.set(e.path, e);
    }
  }
  for (const [name, oid] of dir.files) entries.set(name, { mode: '100644', path: name, oid, type: 'blob' });
  for (const [name, sub] of dir.dirs) {
    const oid = await composeTree(gitdir, sub, baseDirs.get(name), owns, below, `${prefix}${name}/`);
    // A directory left empty (its last owned file removed) is no entry at all, as in git.
    if (oid !== EMPTY_TREE) entries.set(name, { mode: '040000', path: name, oid, type: 'tree' });
  }
  return git.writeTree({ fs, gitdir, tree: [...entries.values()] });
}

/** The id of the tree with no entries. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
