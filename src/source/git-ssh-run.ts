/**
 * Runs the real `git` CLI for the SSH Git source. isomorphic-git has no SSH transport, and OpenSSH is the only
 * client that handles every key type, agent-less batch mode and known-hosts pinning the way operators expect, so
 * the SSH source shells out. The private key is written to a 0600 file in a fresh 0700 directory for the duration
 * of one command and removed afterwards; it never appears in argv, environment, logs or messages.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ReconcileError, StalledError, TransientError } from '../errors.js';
import { sanitize } from '../util/sanitize.js';
import { pinSync } from './git-pins.js';
import { shellQuote } from '../util/shell.js';

export interface SshGitOptions {
  /** Private key (OpenSSH or PEM text); when absent ssh uses the user's default identities. */
  privateKey?: string;
  /** Pins host keys: a new host is accepted and recorded, a changed key is refused. */
  knownHostsFile: string;
  /** Kills the command (and its ssh) after this long; default 60 s. */
  timeoutMs?: number;
}

export interface GitResult {
  stdout: string;
  stderr: string;
}

/** A finished command whatever its exit code, for callers that tell expected refusals from failures themselves. */
export interface GitExit extends GitResult {
  code: number | null;
}

/** Quotes a path for the shell git runs GIT_SSH_COMMAND through. */
const shq = shellQuote;

/** Settings that keep the cache store predictable: no user config, no background gc racing our reads. */
const GIT_CONFIG = ['-c', 'gc.autoDetach=false', '-c', 'maintenance.autoDetach=false', '-c', 'protocol.version=2'];

/**
 * Runs `git <args>` with the key and pinned known hosts; rejects with a typed source error (see `toSshError`).
 * `what` names the operation for messages, e.g. `fetch of ssh://host/repo.git#main`.
 */
export async function runSshGit(args: string[], what: string, opts: SshGitOptions, cwd?: string): Promise<GitResult> {
  const r = await runSshGitExit(args, what, opts, cwd);
  if (r.code !== 0) throw toSshError(r.stderr, r.code, what);
  return { stdout: r.stdout, stderr: r.stderr };
}

/**
 * Like `runSshGit` but resolves with the exit code instead of rejecting on a non-zero exit (a push refused because
 * the remote moved is an answer, not a failure); still rejects when git cannot run or times out.
 */
export async function runSshGitExit(args: string[], what: string, opts: SshGitOptions, cwd?: string): Promise<GitExit> {
  await mkdir(dirname(opts.knownHostsFile), { recursive: true });
  // HA: the pins are shared by the replicas (git-pins.ts); a no-op otherwise.
  const pins = await pinSync(opts.knownHostsFile);
  const keyDir = opts.privateKey ? await mkdtemp(join(tmpdir(), 'driftless-ssh-')) : undefined;
  try {
    const sshArgs = [
      'ssh',
      '-o BatchMode=yes',
      `-o UserKnownHostsFile=${shq(opts.knownHostsFile)}`,
      '-o GlobalKnownHostsFile=/dev/null',
      '-o StrictHostKeyChecking=accept-new',
      '-o ConnectTimeout=20',
    ];
    if (keyDir && opts.privateKey) {
      const keyFile = join(keyDir, 'id');
      const text = opts.privateKey.endsWith('\n') ? opts.privateKey : `${opts.privateKey}\n`;
      await writeFile(keyFile, text, { mode: 0o600 });
      sshArgs.push(`-i ${shq(keyFile)}`, '-o IdentitiesOnly=yes', '-o IdentityAgent=none');
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GIT_SSH_COMMAND: sshArgs.join(' '),
      GIT_SSH_VARIANT: 'ssh',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      LC_ALL: 'C',
    };
    const result = await spawnGit([...GIT_CONFIG, ...args], env, opts.timeoutMs ?? 60_000, what, cwd);
    await pins?.after();
    return result;
  } finally {
    if (keyDir) await rm(keyDir, { recursive: true, force: true });
  }
}

function spawnGit(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, what: string, cwd?: string): Promise<GitExit> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // The whole process group: git and the ssh it started.
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new TransientError('SourceUnavailable', `${what}: could not run git: ${err.message}`, { cause: err }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) return reject(new TransientError('SourceUnavailable', `${what}: no answer within ${timeoutMs} ms`));
      resolve({ stdout, stderr, code });
    });
  });
}

/** The meaningful lines of git/ssh stderr, without the long host-key warning banner. */
function summary(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('@') && !/^(IT IS POSSIBLE|Someone could|It is also possible|Please contact|Add correct|Offending|Host key for|ECDSA|ED25519|RSA|The fingerprint|SHA256:|fatal: Could not read from remote|Please make sure|and the repository exists)/i.test(l));
  return lines.slice(-3).join('; ');
}

/**
 * Classifies a failed git-over-ssh command from its stderr: a changed host key or rejected key is stalled (a human
 * must act; retrying could lock the account or talk to an impostor), a missing repo or ref is stalled, connection
 * problems are transient.
 */
export function toSshError(stderr: string, code: number | null, what: string): ReconcileError {
  const detail = sanitize(summary(stderr) || `git exited with ${code}`);
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/i.test(stderr)) {
    return new StalledError('HostKeyMismatch', `${what}: host key changed or not trusted; refusing to connect (${detail})`);
  }
  if (/Permission denied \(|Too many authentication failures|Load key .*: |no such identity|invalid format/i.test(stderr)) {
    return new StalledError('AuthenticationFailed', `${what}: authentication failed: ${detail}`);
  }
  if (/does not appear to be a git repository|repository .*not found|couldn't find remote ref|not our ref/i.test(stderr)) {
    return new StalledError('SourceUnavailable', `${what}: ${detail}`);
  }
  return new TransientError('SourceUnavailable', `${what}: ${detail}`);
}
