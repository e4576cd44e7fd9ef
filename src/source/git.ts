/**
 * Git source on isomorphic-git (pure JS, no git binary on the host). Designed to be polled often and cheaply,
 * like Flux's source-controller: `lsRemote()` is one GET of the ref advertisement (no pack is negotiated or
 * downloaded); `fetch()` downloads only when the commit is not already in the local object store — the first
 * time shallow (depth 1, single branch), afterwards incrementally from the last commit (only the new commits'
 * objects travel) — and materialises each commit into its own directory (see checkout.ts).
 *
 * Refs: a branch or tag name (tags win over branches of the same name, as in git), a full ref (`refs/heads/x`), or
 * a full 40-hex commit id. Limitations of the shallow design:
 * - a commit id is fetched directly and shallowly: git's smart-HTTP upload-pack accepts any want reachable from a
 *   ref (GitHub too); a server that refuses gets a second, full fetch of every branch and tag, and the commit
 *   must be reachable from one of them (an unreachable or garbage-collected commit fails as stalled);
 * - abbreviated commit ids are not supported (they cannot be resolved without history);
 * - submodules are not fetched; LFS pointers are materialised as pointer files.
 * Credentials are sent pre-emptively (basic auth) so an authenticated poll stays one request; a 401 with
 * credentials fails fast as StalledError `AuthenticationFailed`.
 */
import * as fs from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { git, http } from './isogit.js';
import { StalledError } from '../errors.js';
import { sanitize } from '../util/sanitize.js';
import { authCallbacks, authHeaders } from './git-auth.js';
import { materialise, peelToCommit, pruneCheckouts, type Listing } from './checkout.js';
import type { Pack } from './pack-reader.js';
import { isNetworkError, toSourceError, withTimeout } from './git-errors.js';
import type { ResolvedGitAuth, Revision } from './types.js';

export interface GitSourceOptions {
  url: string;
  /** Branch, tag, full ref or full commit id; default `main`. */
  ref?: string;
  /** Directory owned by this source: bare object store and checkouts. */
  cacheDir: string;
  auth?: ResolvedGitAuth;
  /** Shallow depth for branch and tag fetches; default 1. */
  depth?: number;
  /** Per network operation; default 60 s. */
  timeoutMs?: number;
}

export interface GitSource {
  readonly url: string;
  readonly ref: string;
  /** Commit the ref points at on the server (tags peeled), or undefined when the ref does not exist. */
  lsRemote(): Promise<string | undefined>;
  /** Complete checkout of the ref's current commit; typed errors only. */
  fetch(): Promise<Revision>;
  /** Resolves once background work (removing old checkouts) is done: for shutdown and for tests. */
  idle(): Promise<void>;
}

const COMMIT_ID = /^[0-9a-f]{40}$/;
/** Local ref to the last materialised commit: offered as a "have" so the next fetch downloads only new objects. */
const HAVE_REF = 'refs/driftless/last';
/** Past this many packs the store is rebuilt by a fresh shallow clone (isomorphic-git does not repack). */
const MAX_PACKS = 64;

/** How long a poll's answer stands in for the ls-remote of a fetch that follows it (the daemon fetches at once). */
const SEEN_FRESH_MS = 5_000;

/** Creates a Git source; nothing touches the network or disk until the first call. */
export function createGitSource(opts: GitSourceOptions): GitSource {
  const url = opts.url;
  const ref = opts.ref ?? 'main';
  const safeUrl = sanitize(url);
  const gitdir = join(opts.cacheDir, 'repo.git');
  const checkoutsDir = join(opts.cacheDir, 'checkouts');
  const depth = opts.depth ?? 1;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const cache = {};
  const headers = authHeaders(opts.auth);
  const net = { http, url, ...authCallbacks(opts.auth) };
  let chain: Promise<unknown> = Promise.resolve();
  let lastCommit: string | undefined;
  let pruning: Promise<unknown> = Promise.resolve();
  /** Listing of lastCommit's tree, so the next checkout need not re-read it to hard-link unchanged files. */
  let lastListing: Listing | undefined;
  /** The checkout before lastCommit's, if still on disk: recycled into the next commit's checkout. */
  let older: { commit: string; listing: Listing } | undefined;
  /** The ref's id as the latest ls-remote (a poll) saw it: a fetch right after a poll need not ask again. */
  let lastSeen: { oid: string; at: number } | undefined;
  /** Parsed packfiles, kept across fetches: packs are immutable, so each is read once. */
  const packs = new Map<string, Pack | null>();

  const what = (op: string): string => `${op} of ${safeUrl}#${ref}`;

  async function lsRemote(): Promise<string | undefined> {
    if (COMMIT_ID.test(ref)) return ref;
    try {
      const refs = await withTimeout(
        git.listServerRefs({ ...net, headers: { ...headers }, protocolVersion: 1, peelTags: true }),
        timeoutMs,
        what('ls-remote'),
      );
      const map = new Map<string, string>();
      for (const r of refs) map.set(r.ref, r.peeled ?? r.oid);
      const candidates = ref.startsWith('refs/') ? [ref] : [`refs/tags/${ref}`, `refs/heads/${ref}`];
      return candidates.map((c) => map.get(c)).find((o) => o !== undefined);
    } catch (err) {
      throw toSourceError(err, what('ls-remote'));
    }
  }

  /** The commit of the newest checkout from an earlier process (HAVE_REF), to hard-link unchanged files from. */
  async function lastMaterialised(): Promise<string | undefined> {
    return git.resolveRef({ fs, gitdir, ref: HAVE_REF }).catch(() => undefined);
  }

  async function hasCommit(oid: string): Promise<boolean> {
    try {
      await git.readCommit({ fs, gitdir, oid, cache });
      return true;
    } catch {
      return false;
    }
  }

  async function ensureStore(): Promise<void> {
    const packs = await readdir(join(gitdir, 'objects', 'pack')).catch(() => undefined);
    if (packs && packs.filter((p) => p.endsWith('.pack')).length > MAX_PACKS) {
      await rm(gitdir, { recursive: true, force: true });
    }
    if (!fs.existsSync(join(gitdir, 'HEAD'))) {
      await mkdir(gitdir, { recursive: true });
      await git.init({ fs, gitdir, bare: true, defaultBranch: 'main' });
      // Refspec only: the URL (which may carry credentials) is passed per call and never written to disk.
      await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
    }
  }

  /**
   * Downloads what the ref needs; returns the object the server had at the ref at that moment (`target` when the
   * server named none, undefined for a remote without refs). `target` is the expected id from an ls-remote, if any.
   */
  async function download(target: string | undefined): Promise<string | undefined> {
    const fetchRef = COMMIT_ID.test(ref) && target ? target : ref;
    const base = { ...net, headers: { ...headers }, fs, gitdir, cache, tags: false };
    try {
      // With a previous commit in the store, fetch WITHOUT depth: the server then sends only what that "have" lacks
      // (one commit's objects). Asking for depth 1 again makes the server send the whole tree (measured on 3,000
      // files: 0.97 s vs 87 ms). Cost: a force-push to unrelated history downloads that history once.
      const have = await lastMaterialised();
      const incremental = have !== undefined && (await hasCommit(have));
      const res = await withTimeout(
        git.fetch({ ...base, ref: HAVE_REF, remoteRef: fetchRef, singleBranch: true, ...(incremental ? {} : { depth }) }),
        timeoutMs,
        what('fetch'),
      );
      return res.fetchHead ?? target;
    } catch (err) {
      const typed = toSourceError(err, what('fetch'));
      if (!COMMIT_ID.test(ref) || typed.reason === 'AuthenticationFailed' || isNetworkError(err)) throw typed;
      // The server refused a want that is not a ref tip: fall back to full history of every branch and tag.
      await withTimeout(
        git.fetch({ ...base, headers: { ...headers }, singleBranch: false, tags: true }),
        timeoutMs,
        what('full fetch'),
      ).catch((e: unknown) => {
        throw toSourceError(e, what('full fetch'));
      });
      return target;
    }
  }

  /** ls-remote, then a fetch only when the store lacks the commit (first fetch, or a commit id as ref). */
  async function fetchAfterLsRemote(): Promise<string> {
    const remoteOid = await lsRemote();
    if (!remoteOid) {
      throw new StalledError('SourceUnavailable', `ref ${ref} not found at ${safeUrl}`);
    }
    await ensureStore();
    if (await hasCommit(remoteOid)) return remoteOid;
    // The ref may have moved since ls-remote: use what was actually fetched, peeling an annotated tag.
    const fetched = (await download(remoteOid)) ?? remoteOid;
    return peelToCommit(gitdir, fetched, cache).catch(() => fetched);
  }

  /**
   * With a commit of this ref already in the store, the fetch discovers the remote ref itself: an ls-remote first
   * would be a second round trip for the same answer (a one-commit update: GET + POST instead of GET + GET + POST).
   * Undefined when that does not apply, or when the remote has no such ref (then ls-remote reports it).
   */
  async function fetchIncremental(): Promise<string | undefined> {
    if (COMMIT_ID.test(ref) || !fs.existsSync(join(gitdir, 'HEAD'))) return undefined;
    const have = await lastMaterialised();
    if (!have || !(await hasCommit(have))) return undefined;
    const seen = lastSeen && Date.now() - lastSeen.at < SEEN_FRESH_MS ? lastSeen.oid : undefined;
    lastSeen = undefined;
    if (seen && (await hasCommit(seen))) return seen; // a poll just saw a commit the store holds: nothing to fetch
    await ensureStore();
    const fetched = await download(undefined).catch((err: unknown) => {
      // The remote lacks the ref (or something is not found): the ls-remote path says which, as a first fetch does.
      if ((err as { cause?: { code?: string } }).cause?.code === 'NotFoundError') return undefined;
      throw err;
    });
    return fetched === undefined ? undefined : peelToCommit(gitdir, fetched, cache).catch(() => fetched);
  }

  async function doFetch(): Promise<Revision> {
    await pruning;
    const commit = (await fetchIncremental()) ?? (await fetchAfterLsRemote());
    if (!(await hasCommit(commit))) {
      throw new StalledError('SourceUnavailable', `commit ${commit} of ${safeUrl}#${ref} is not reachable`);
    }
    try {
      const previous = lastCommit ?? (await lastMaterialised());
      const prev = previous ? { commit: previous, ...(previous === lastCommit && lastListing ? { listing: lastListing } : {}) } : undefined;
      const result = await materialise(gitdir, commit, checkoutsDir, cache, { ...(prev ? { previous: prev } : {}), ...(older ? { recycle: older } : {}), packs });
      // Keep the previous checkout too: a run that started on it may still be reading it. Removing thousands of
      // files takes longer than the rest of an incremental fetch, so it happens off the run's critical path.
      pruning = pruneCheckouts(checkoutsDir, [commit, ...(lastCommit ? [lastCommit] : [])]).catch(() => []);
      await git.writeRef({ fs, gitdir, ref: HAVE_REF, value: commit, force: true });
      older = lastCommit && lastListing && lastCommit !== commit ? { commit: lastCommit, listing: lastListing } : undefined;
      lastCommit = commit;
      lastListing = result.listing;
      return { commit, ref, dir: result.dir, url: safeUrl, files: result.files };
    } catch (err) {
      throw toSourceError(err, what('checkout'));
    }
  }

  return {
    url: safeUrl,
    ref,
    async lsRemote(): Promise<string | undefined> {
      const oid = await lsRemote();
      lastSeen = oid ? { oid, at: Date.now() } : undefined;
      return oid;
    },
    fetch(): Promise<Revision> {
      const run = chain.then(doFetch, doFetch);
      chain = run.catch(() => undefined);
      return run;
    },
    async idle(): Promise<void> {
      await chain;
      await pruning;
    },
  };
}
