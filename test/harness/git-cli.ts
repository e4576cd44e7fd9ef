/**
 * Helpers around the REAL `git` CLI, so tests push and inspect repos the way users and other tools do, and the
 * source code under test (isomorphic-git) is checked against an independent implementation.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';

/** Fixed identity and no user/system config, so commits are reproducible and never read the developer's setup. */
const BASE_ARGS = ['-c', 'user.name=driftless-test', '-c', 'user.email=test@driftless.invalid', '-c', 'commit.gpgsign=false'];
const ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' };

/** Runs `git <args>` in `dir` (stdin closed, so nothing can wait for input) and returns trimmed stdout. */
export function git(dir: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...BASE_ARGS, '-C', dir, ...args], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8').trim());
      else reject(new Error(`git ${args.join(' ')} failed (${code}): ${stderr.trim()}`));
    });
  });
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
