/**
 * Where the status report goes: for a Git source, a commit on the status branch (never the watched branch, never
 * forced, fixed author); for a local directory, files under `<stateDir>/status/` replaced atomically.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import type { DaemonConfig } from '../config/index.js';
import type { SecretResolver } from '../kinds/types.js';
import { isSshGitUrl } from '../source/git-ssh.js';
import { commitStatus } from '../source/status-branch.js';
import type { GitAuthSpec, ResolvedGitAuth } from '../source/types.js';

/** The identity of every status commit, so people and tools can tell (and filter) the daemon's own commits. */
export const STATUS_AUTHOR = { name: 'driftless', email: 'driftless@noreply.invalid' };

export async function resolveGitAuth(spec: GitAuthSpec | undefined, secrets: SecretResolver): Promise<ResolvedGitAuth | undefined> {
  if (!spec) return undefined;
  const out: ResolvedGitAuth = {};
  if (spec.username !== undefined) out.username = spec.username;
  if (spec.token) out.token = await secrets.resolve(spec.token);
  if (spec.password) out.password = await secrets.resolve(spec.password);
  return out;
}

export function statusWriter(args: {
  config: DaemonConfig;
  auth: ResolvedGitAuth | undefined;
  statusBranch: () => string;
  logger: PinoLogger;
}): (files: Record<string, string>, message: string) => Promise<string> {
  const { config } = args;
  // Status commits go through isomorphic-git (HTTP only); an SSH source keeps its report on disk instead.
  const ssh = config.source.type === 'git' && isSshGitUrl(config.source.url);
  if (ssh && config.statusPush) args.logger.warn('status commits are not supported for ssh git sources yet; status is written under the state dir');
  if (config.source.type === 'git' && !ssh) {
    const url = config.source.url;
    return async (files, message) => {
      if (!config.statusPush) return 'disabled';
      const branch = args.statusBranch();
      if (branch === config.branch) throw new Error(`status branch ${branch} is the watched branch; refusing to write to it`);
      return commitStatus({
        url,
        ...(args.auth ? { auth: args.auth } : {}),
        branch,
        files,
        message,
        author: STATUS_AUTHOR,
        cacheDir: join(config.stateDir, 'status-cache'),
        timeoutMs: 20_000,
      });
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
