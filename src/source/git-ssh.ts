/**
 * Git source over SSH (`ssh://user@host:port/path.git` or scp-like `user@host:path.git`), on the real `git` CLI
 * because isomorphic-git has no SSH transport. Same contract and the same fail-closed guarantees as the HTTP
 * source (git.ts): `poll()` is one `git ls-remote` (no objects move), `fetch()` downloads shallowly (depth 1) into
 * a bare cache store only when the commit is not there yet, and each commit is materialised by checkout.ts into
 * its own directory (temp dir, verified, renamed; an empty tree is refused), so a run never sees a half tree.
 *
 * Host keys are pinned in a known-hosts file of the state directory: the first contact records the key, a changed
 * key is refused (StalledError `HostKeyMismatch`) until a human removes the stale entry.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StalledError } from '../errors.js';
import { sanitize } from '../util/sanitize.js';
import { materialise, pruneCheckouts, type Listing } from './checkout.js';
import type { Pack } from './pack-reader.js';
import { toSourceError } from './git-errors.js';
import { runSshGit, type SshGitOptions } from './git-ssh-run.js';
import type { Revision, Source } from './types.js';

export interface GitSshSourceOptions {
  url: string;
  /** Branch, tag, full ref or full commit id; default `main`. */
  ref?: string;
  /** Directory owned by this source: bare object store and checkouts. */
  cacheDir: string;
  /** Resolved private key text; absent = ssh's default identities. */
  privateKey?: string;
  /** Where host keys are pinned, e.g. `<state>/git_known_hosts`. */
  knownHostsFile: string;
  /** Per git command; default 60 s. */
  timeoutMs?: number;
}

const COMMIT_ID = /^[0-9a-f]{40}$/;
/** Last materialised commit: keeps its objects alive through gc and names the checkout to hard-link from. */
const HAVE_REF = 'refs/driftless/last';
const FETCHED_REF = 'refs/driftless/fetched';

/** True for `ssh://…` and scp-like `user@host:path` URLs (what this source handles instead of git.ts). */
export function isSshGitUrl(url: string): boolean {
  if (/^(ssh|git\+ssh|ssh\+git):\/\//i.test(url)) return true;
  return /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/)[^\s]+$/.test(url);
}

/** Creates an SSH Git source; nothing touches the network or disk until the first call. */
export function createGitSshSource(opts: GitSshSourceOptions): Source {
  const url = opts.url;
  const ref = opts.ref ?? 'main';
  const safeUrl = sanitize(url);
  const gitdir = join(opts.cacheDir, 'repo.git');
  const checkoutsDir = join(opts.cacheDir, 'checkouts');
  const ssh: SshGitOptions = {
    knownHostsFile: opts.knownHostsFile,
    ...(opts.privateKey ? { privateKey: opts.privateKey } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  };
  const cache = {};
  let chain: Promise<unknown> = Promise.resolve();
  let lastCommit: string | undefined;
  let lastListing: Listing | undefined;
  /** The checkout before lastCommit's, if still on disk: recycled into the next commit's checkout. */
  let older: { commit: string; listing: Listing } | undefined;
  /** Parsed packfiles, kept across fetches: packs are immutable, so each is read once. */
  const packs = new Map<string, Pack | null>();

  const what = (op: string): string => `${op} of ${safeUrl}#${ref}`;
  // Local commands never need the key: it is only written to disk for commands that talk to the remote.
  const offline: SshGitOptions = { knownHostsFile: opts.knownHostsFile, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) };
  const local = async (...args: string[]): Promise<string> =>
    (await runSshGit(['--git-dir', gitdir, ...args], what('local git'), offline)).stdout.trim();

  /** The remote ref the configured name resolves to (tags win, as in git) and the commit it points at. */
  async function resolveRemote(): Promise<{ name: string; commit: string } | undefined> {
    if (COMMIT_ID.test(ref)) return { name: ref, commit: ref };
    const names = ref.startsWith('refs/') ? [ref] : [`refs/tags/${ref}`, `refs/heads/${ref}`];
    const patterns = names.flatMap((n) => [n, `${n}^{}`]);
    const { stdout } = await runSshGit(['ls-remote', '--', url, ...patterns], what('ls-remote'), ssh);
    const map = new Map<string, string>();
    for (const line of stdout.split('\n')) {
      const [oid, name] = line.split('\t');
      if (oid && name) map.set(name, oid);
    }
    for (const n of names) {
      const oid = map.get(`${n}^{}`) ?? map.get(n);
      if (oid) return { name: n, commit: oid };
    }
    return undefined;
  }

  async function hasCommit(oid: string): Promise<boolean> {
    return local('cat-file', '-e', `${oid}^{commit}`).then(
      () => true,
      () => false,
    );
  }

  async function ensureStore(): Promise<void> {
    if (existsSync(join(gitdir, 'HEAD'))) return;
    await mkdir(opts.cacheDir, { recursive: true });
    await runSshGit(['init', '--quiet', '--bare', gitdir], what('init'), offline);
  }

  /** Shallow fetch of the ref (or commit); returns the commit actually fetched (the ref may have moved). */
  async function download(remote: { name: string; commit: string }): Promise<string> {
    const base = ['--git-dir', gitdir, 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--depth=1'];
    if (COMMIT_ID.test(ref)) {
      await runSshGit([...base, '--', url, remote.commit], what('fetch'), ssh);
      return remote.commit;
    }
    await runSshGit([...base, '--', url, `+${remote.name}:${FETCHED_REF}`], what('fetch'), ssh);
    return local('rev-parse', '--verify', `${FETCHED_REF}^{commit}`);
  }

  async function doFetch(): Promise<Revision> {
    const remote = await resolveRemote();
    if (!remote) throw new StalledError('SourceUnavailable', `ref ${ref} not found at ${safeUrl}`);
    await ensureStore();
    let commit = remote.commit;
    if (!(await hasCommit(commit))) {
      commit = await download(remote);
      if (!(await hasCommit(commit))) {
        throw new StalledError('SourceUnavailable', `commit ${commit} of ${safeUrl}#${ref} is not reachable`);
      }
    }
    const previous = lastCommit ?? (await local('rev-parse', '--verify', '--quiet', HAVE_REF).catch(() => undefined));
    try {
      const prev = previous ? { commit: previous, ...(previous === lastCommit && lastListing ? { listing: lastListing } : {}) } : undefined;
      const result = await materialise(gitdir, commit, checkoutsDir, cache, { ...(prev ? { previous: prev } : {}), ...(older ? { recycle: older } : {}), packs });
      // Keep the previous checkout too: a run that started on it may still be reading it.
      await pruneCheckouts(checkoutsDir, [commit, ...(lastCommit ? [lastCommit] : [])]);
      await local('update-ref', HAVE_REF, commit);
      older = lastCommit && lastListing && lastCommit !== commit ? { commit: lastCommit, listing: lastListing } : undefined;
      lastCommit = commit;
      lastListing = result.listing;
      return { commit, ref, dir: result.dir, url: safeUrl, files: result.files };
    } catch (err) {
      throw toSourceError(err, what('checkout'));
    }
  }

  return {
    describe: () => `git ${safeUrl}#${ref}`,
    async poll(): Promise<string | undefined> {
      return (await resolveRemote())?.commit;
    },
    fetch(): Promise<Revision> {
      const run = chain.then(doFetch, doFetch);
      chain = run.catch(() => undefined);
      return run;
    },
  };
}
