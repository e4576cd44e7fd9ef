/**
 * Helpers around the REAL `git` CLI, so tests push and inspect repos the way users and other tools do, and the
 * source code under test (isomorphic-git) is checked against an independent implementation.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Fixed identity and no user/system config, so commits are reproducible and never read the developer's setup. */
const BASE_ARGS = ['-c', 'user.name=driftless-test', '-c', 'user.email=test@driftless.invalid', '-c', 'commit.gpgsign=false'];
const ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' };

/** Runs `git <args>` in `dir` and returns trimmed stdout; rejects with stderr in the message. */
export async function git(dir: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync('git', [...BASE_ARGS, '-C', dir, ...args], {
      env: ENV,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`git ${args.join(' ')} failed: ${stderr.trim()}`, { cause: err });
  }
}

/** Creates a work repo on branch main. */
export async function initWorkRepo(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await git(dir, 'init', '--quiet', '--initial-branch=main');
}

/** Stages everything and commits with the fixed author; returns the new commit id. */
export async function commitAll(dir: string, msg: string): Promise<string> {
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '--quiet', '--allow-empty', '-m', msg);
  return revParse(dir, 'HEAD');
}

/** Pushes HEAD to `branch` of `remoteUrl` (never forced). */
export async function push(dir: string, remoteUrl: string, branch: string): Promise<void> {
  await git(dir, 'push', '--quiet', remoteUrl, `HEAD:refs/heads/${branch}`);
}

/** Resolves a ref (or `HEAD`) to a full commit id. */
export async function revParse(dir: string, ref: string): Promise<string> {
  return git(dir, 'rev-parse', `${ref}^{commit}`);
}
