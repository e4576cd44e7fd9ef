/**
 * Where the status report goes: for a Git source, a commit on the status branch (never the watched branch, never
 * forced, fixed author), over HTTP(S) with isomorphic-git or over SSH with the git CLI; for a local directory,
 * files under `<stateDir>/status/` replaced atomically.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import type { DaemonConfig } from '../config/index.js';
import { ownsStatusPath } from '../report/render.js';
import { isSshGitUrl } from '../source/git-ssh.js';
import { commitStatus } from '../source/status-branch.js';
import { commitStatusSsh } from '../source/status-branch-ssh.js';
import type { StatusCommitOptions } from '../source/status-commit.js';
import type { ResolvedGitAuth } from '../source/types.js';

export { resolveGitAuth } from '../source/index.js';

/** The identity of every status commit, so people and tools can tell (and filter) the daemon's own commits. */
export const STATUS_AUTHOR = { name: 'driftless', email: 'driftless@noreply.invalid' };

/** Per git operation of a status write: a slow remote delays the report, never the reconcile loop for long. */
const STATUS_TIMEOUT_MS = 20_000;

export function statusWriter(args: {
  config: DaemonConfig;
  auth: ResolvedGitAuth | undefined;
  statusBranch: () => string;
  logger: PinoLogger;
}): (files: Record<string, string>, message: string) => Promise<string> {
  const { config, auth } = args;
  if (config.source.type === 'git') {
    const url = config.source.url;
    const ssh = isSshGitUrl(url);
    return async (files, message) => {
      if (!config.statusPush) return 'disabled';
      const branch = args.statusBranch();
      if (branch === config.branch) throw new Error(`status branch ${branch} is the watched branch; refusing to write to it`);
      const common: StatusCommitOptions = { branch, files, message, author: STATUS_AUTHOR, cacheDir: join(config.stateDir, 'status-cache'), owns: ownsStatusPath };
      if (ssh) {
        return commitStatusSsh({
          ...common,
          url,
          // The same pinned host keys as the SSH source (openSource's default next to the git cache).
          knownHostsFile: join(config.stateDir, 'git_known_hosts'),
          ...(auth?.sshKey ? { privateKey: auth.sshKey } : {}),
          timeoutMs: STATUS_TIMEOUT_MS,
        });
      }
      return commitStatus({ ...common, url, ...(auth ? { auth } : {}), timeoutMs: STATUS_TIMEOUT_MS });
    };
  }
  const target = join(config.stateDir, 'status');
  return async (files) => {
    const temp = `${target}.tmp`;
    await rm(temp, { recursive: true, force: true });
    for (const [path, content] of Object.entries(files)) {
      const abs = join(temp, path);
      await mkdir(dirname(abs), { recursive: true });
      await writeFile(abs, content);
    }
    await rm(target, { recursive: true, force: true });
    await rename(temp, target);
    return target;
  };
}
