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
  const { config } = args;
  if (config.source.type === 'git') {
    return (files, message) => commitToStatusBranch(args, { files, message, owns: ownsStatusPath });
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

/**
 * Writes one file of the status branch (or removes it, with `content` undefined) and nothing else: how a plan
 * preview publishes `previews/<number>.md`. The commit owns only that path, so the report's files and every other
 * preview are carried over, and the report's own commits (which own README.md and resources/ only) keep the previews.
 * Shares the report's cache dir, so the two writers take turns in process instead of racing through the server.
 */
export function statusFileWriter(args: {
  config: DaemonConfig;
  auth: ResolvedGitAuth | undefined;
  statusBranch: () => string;
  logger: PinoLogger;
}): ((path: string, content: string | undefined, message: string) => Promise<string>) | undefined {
  if (args.config.source.type !== 'git' || !args.config.statusPush) return undefined;
  return (path, content, message) =>
    commitToStatusBranch(args, { files: content === undefined ? {} : { [path]: content }, message, owns: (p) => p === path, ownsBelow: (d) => path.startsWith(`${d}/`) });
}

async function commitToStatusBranch(
  args: { config: DaemonConfig; auth: ResolvedGitAuth | undefined; statusBranch: () => string },
  what: { files: Record<string, string>; message: string; owns: (path: string) => boolean; ownsBelow?: (dir: string) => boolean },
): Promise<string> {
  const { config, auth } = args;
  if (config.source.type !== 'git') throw new Error('the status branch needs a git source');
  if (!config.statusPush) return 'disabled';
  const url = config.source.url;
  const branch = args.statusBranch();
  if (branch === config.branch) throw new Error(`status branch ${branch} is the watched branch; refusing to write to it`);
  const common: StatusCommitOptions = { branch, files: what.files, message: what.message, author: STATUS_AUTHOR, cacheDir: join(config.stateDir, 'status-cache'), owns: what.owns, ...(what.ownsBelow ? { ownsBelow: what.ownsBelow } : {}) };
  if (isSshGitUrl(url)) {
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
}
