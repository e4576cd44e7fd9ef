/**
 * The SSH transport of the status write-back: the same commit building and bounded fetch-rebuild-push loop as over
 * HTTP (status-commit.ts), with the tip fetched and the branch pushed by the real git CLI, because isomorphic-git
 * has no SSH transport. The key comes from a secret reference and host keys are pinned exactly as for the SSH
 * source (git-ssh-run.ts). The push names one ref, `refs/heads/<status branch>`, without `+` and without
 * `--force`, so the watched branch cannot be written and a concurrent commit cannot be overwritten.
 */
import { sanitize } from '../util/sanitize.js';
import { runSshGit, runSshGitExit, toSshError, type SshGitOptions } from './git-ssh-run.js';
import { commitStatusVia, type StatusCommitOptions, type StatusTransport } from './status-commit.js';
import { TransientError } from '../errors.js';

export interface CommitStatusSshOptions extends StatusCommitOptions {
  /** `ssh://…` or scp-like `user@host:path` URL of the config repo. */
  url: string;
  /** Resolved private key text; absent = ssh's default identities. */
  privateKey?: string;
  /** Pinned host keys, shared with the SSH source (`<state>/git_known_hosts`). */
  knownHostsFile: string;
  /** Per git command; default 60 s. */
  timeoutMs?: number;
}

/** Where the fetched remote tip is kept in the writer's private repo (never pushed anywhere). */
const TIP_REF = 'refs/driftless/status-tip';

/**
 * Commits `files` on top of the status branch over SSH and pushes without force; returns the commit now at the
 * branch tip (see `commitStatusVia` for the guarantees).
 */
export function commitStatusSsh(opts: CommitStatusSshOptions): Promise<string> {
  return commitStatusVia(sshStatusTransport(opts), opts);
}

function sshStatusTransport(opts: CommitStatusSshOptions): StatusTransport {
  const what = `status push to ${sanitize(opts.url)}#${opts.branch ?? 'driftless/status'}`;
  const timeouts = opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {};
  const remote: SshGitOptions = { knownHostsFile: opts.knownHostsFile, ...timeouts, ...(opts.privateKey ? { privateKey: opts.privateKey } : {}) };
  // Local commands never need the key: it is only written to disk for commands that talk to the remote.
  const offline: SshGitOptions = { knownHostsFile: opts.knownHostsFile, ...timeouts };
  return {
    what,
    async fetchTip(gitdir, fullRef) {
      const args = ['--git-dir', gitdir, 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--depth=1'];
      const r = await runSshGitExit([...args, '--', opts.url, `+${fullRef}:${TIP_REF}`], what, remote);
      if (r.code !== 0) {
        if (/couldn't find remote ref/i.test(r.stderr)) return undefined;
        throw toSshError(r.stderr, r.code, what);
      }
      return (await runSshGit(['--git-dir', gitdir, 'rev-parse', '--verify', `${TIP_REF}^{commit}`], what, offline)).stdout.trim();
    },
    async push(gitdir, fullRef) {
      const r = await runSshGitExit(['--git-dir', gitdir, 'push', '--porcelain', '--', opts.url, `${fullRef}:${fullRef}`], what, remote);
      if (r.code === 0) return { ok: true };
      // Porcelain marks each refused ref with `!`: `[rejected] (fetch first)`, `[remote rejected] (cannot lock ref)`.
      const refused = r.stdout.split('\n').find((l) => l.startsWith('!'));
      if (!refused) throw toSshError(r.stderr, r.code, what);
      return { ok: false, cause: new TransientError('SourceUnavailable', `${what}: ${sanitize(refused.replace(/\s+/g, ' ').trim())}`) };
    },
  };
}
