/**
 * A real `driftless serve` for the campaigns, and a Git config repo on the harness's smart-HTTP server that the
 * campaign commits to with the real git CLI (straight into the bare repo, not through any fault in front of it).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../test/harness/paths.js';
import { BIN } from './cli.js';

export interface Daemon {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Every `run finished` (needs `--log-level info`) and `drift check: no drift` (needs `debug`) log line so far, parsed. */
  runs: Array<{ trigger: string; durationMs: number; outcome: string; revision: string }>;
  get<T>(path: string): Promise<T>;
  /** Peak and current RSS of the daemon process, from /proc (MiB). */
  rss(): { peakMiB: number; rssMiB: number };
  stop(): Promise<void>;
}

export async function startDaemon(args: string[], opts: { port: number; env?: NodeJS.ProcessEnv }): Promise<Daemon> {
  const url = `http://127.0.0.1:${opts.port}`;
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', `127.0.0.1:${opts.port}`, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let partial = '';
  const runs: Daemon['runs'] = [];
  const onData = (c: Buffer) => {
    out = (out + c.toString()).slice(-200_000);
    const lines = (partial + c.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      if (l.includes('"msg":"run finished"')) runs.push(JSON.parse(l) as Daemon['runs'][number]);
      if (l.includes('"msg":"drift check: no drift"')) runs.push({ ...(JSON.parse(l) as { durationMs: number; revision: string }), trigger: 'drift', outcome: 'NoDrift' });
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(url + path, { signal: AbortSignal.timeout(5000) });
    return (await res.json()) as T;
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`driftless serve exited ${child.exitCode}:\n${out.slice(-3000)}`);
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`driftless serve did not answer on ${url}:\n${out.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    output: () => out,
    runs,
    get,
    rss() {
      const status = execFileSync('cat', [`/proc/${child.pid}/status`]).toString();
      const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
      return { peakMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024 };
    },
    async stop() {
      if (child.exitCode !== null) return;
      const done = new Promise((r) => child.once('close', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await done;
      clearTimeout(t);
    },
  };
}

/** A working clone that commits and pushes straight into a bare repo path. */
export interface ConfigRepo {
  dir: string;
  /** Replaces the tree with `files`, commits, pushes; returns the commit. */
  commit(files: Record<string, string>, message: string, opts?: { force?: boolean; orphan?: boolean }): string;
  /** Changes one file, commits, pushes (fast: for many commits in a row); returns the commit. */
  change(path: string, content: string, message: string): string;
  /** Deletes the branch on the bare repo. */
  deleteBranch(): void;
}

export function configRepo(dir: string, bare: string, branch = 'main'): ConfigRepo {
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@bench', '-C', dir, ...a], { env }).toString().trim();
  mkdirSync(dir, { recursive: true });
  git('init', '--quiet', '--initial-branch', branch);
  let first = true;
  return {
    dir,
    commit(files, message, opts = {}) {
      if (opts.orphan && !first) git('checkout', '--quiet', '--orphan', `rewrite-${Date.now()}`);
      git('rm', '-r', '-q', '--cached', '--ignore-unmatch', '.');
      for (const entry of execFileSync('ls', ['-A', dir]).toString().split('\n').filter((e) => e && e !== '.git')) rmSync(join(dir, entry), { recursive: true, force: true });
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(join(dir, path, '..'), { recursive: true });
        writeFileSync(join(dir, path), content);
      }
      git('add', '-A');
      git('commit', '--quiet', '--allow-empty', '-m', message);
      git('push', '--quiet', ...(opts.force ? ['--force'] : []), bare, `HEAD:refs/heads/${branch}`);
      first = false;
      return git('rev-parse', 'HEAD');
    },
    change(path, content, message) {
      writeFileSync(join(dir, path), content);
      git('commit', '--quiet', '-a', '-m', message);
      git('push', '--quiet', bare, `HEAD:refs/heads/${branch}`);
      return git('rev-parse', 'HEAD');
    },
    deleteBranch() {
      execFileSync('git', ['-C', bare, 'update-ref', '-d', `refs/heads/${branch}`], { env });
    },
  };
}
