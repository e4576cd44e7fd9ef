/**
 * Entry point of the source layer: turns a spec from config or the CLI into a `Source`. Secrets are resolved
 * here (once per open) so the git source only ever sees values, and every value is registered for redaction by
 * the resolver before it can reach a message.
 */
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { OperatorSecretResolver } from '../secrets/operator.js';
import { sanitize } from '../util/sanitize.js';
import { createDirSource } from './dir.js';
import { createGitSource } from './git.js';
import { createGitSshSource, isSshGitUrl } from './git-ssh.js';
import type { GitAuthSpec, ResolvedGitAuth, Source, SourceSpec } from './types.js';

export type { Revision, Source, SourceSpec } from './types.js';
export { parseSourceArg } from './types.js';
export { createDirSource, digestDir } from './dir.js';
export { createGitSource } from './git.js';
export { createGitSshSource, isSshGitUrl } from './git-ssh.js';

export interface OpenSourceOptions {
  /** Root cache; each git source gets its own subdirectory keyed by URL and ref. */
  cacheDir: string;
  /** The daemon's own Git credentials are operator-side references (flags, daemon settings), never repo input. */
  secrets: OperatorSecretResolver;
  timeoutMs?: number;
  /** Pinned SSH host keys of Git remotes; default `git_known_hosts` next to cacheDir (i.e. in the state dir). */
  knownHostsFile?: string;
}

/** Opens the source a spec names; a git source's cache survives restarts, so a restart does not re-clone. */
export async function openSource(spec: SourceSpec, opts: OpenSourceOptions): Promise<Source> {
  if (spec.type === 'dir') return createDirSource(spec.path);
  const ref = spec.ref ?? 'main';
  const key = createHash('sha256').update(`${sanitize(spec.url)}#${ref}`).digest('hex').slice(0, 16);
  const auth = await resolveGitAuth(spec.auth, opts.secrets);
  if (isSshGitUrl(spec.url)) {
    return createGitSshSource({
      url: spec.url,
      ref,
      cacheDir: join(opts.cacheDir, key),
      knownHostsFile: opts.knownHostsFile ?? join(dirname(opts.cacheDir), 'git_known_hosts'),
      ...(auth?.sshKey ? { privateKey: auth.sshKey } : {}),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    });
  }
  const git = createGitSource({
    url: spec.url,
    ref,
    cacheDir: join(opts.cacheDir, key),
    ...(auth ? { auth } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  });
  return {
    describe: () => `git ${git.url}#${ref}`,
    poll: () => git.lsRemote(),
    fetch: () => git.fetch(),
  };
}

/** Resolves the secret references of Git credentials (each value registered for redaction by the resolver). */
export async function resolveGitAuth(spec: GitAuthSpec | undefined, secrets: OperatorSecretResolver): Promise<ResolvedGitAuth | undefined> {
  if (!spec) return undefined;
  const out: ResolvedGitAuth = {};
  if (spec.username !== undefined) out.username = spec.username;
  if (spec.token) out.token = await secrets.resolve(spec.token);
  if (spec.password) out.password = await secrets.resolve(spec.password);
  if (spec.sshKey) out.sshKey = await secrets.resolve(spec.sshKey);
  return out;
}
