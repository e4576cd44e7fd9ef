/**
 * Shared pieces of the daemon end-to-end tests: a config repo pushed with the real git CLI to the harness's
 * smart-HTTP server, signed webhooks computed the way GitHub documents them, HTTP reads of the daemon, and reads of
 * the status branch through the git CLI (an implementation independent of the daemon's isomorphic-git).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LabHost } from '../../src/lab/hosts.js';
import { commitAll, git, initWorkRepo, push } from '../harness/git-cli.js';
import type { GitServer } from '../harness/git-server.js';
import { tempDir } from '../harness/tmp.js';

export interface ConfigRepo {
  dir: string;
  url: string;
  write(path: string, content: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** Commits everything and pushes main; returns the commit id. */
  commitAndPush(message: string): Promise<string>;
}

export async function createConfigRepo(server: GitServer, name: string): Promise<ConfigRepo> {
  await server.createBareRepo(`${name}.git`);
  const dir = tempDir(`${name}-work`);
  await initWorkRepo(dir);
  const url = server.url(`${name}.git`);
  return {
    dir,
    url,
    async write(path, content) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    },
    async remove(path) {
      await rm(join(dir, path), { force: true });
    },
    async commitAndPush(message) {
      const commit = await commitAll(dir, message);
      await push(dir, url, 'main');
      return commit;
    },
  };
}

/** driftless.yaml with short retries and health waits, so failures show up quickly in tests. */
export function settingsYaml(extra = ''): string {
  return [
    'apiVersion: driftless.dev/v1',
    'concurrency: 4',
    'retry: { attempts: 2, baseDelayMs: 200, maxDelayMs: 1000 }',
    'health: { timeoutSeconds: 30, intervalMs: 200 }',
    'statusBranch: driftless/status',
    extra,
  ].join('\n');
}

export interface StepSpec {
  name: string;
  run: string;
}

export function hostYaml(name: string, host: Pick<LabHost, 'address' | 'port'>, keySecret: string, steps: StepSpec[], annotations?: Record<string, string>): string {
  const lines = ['apiVersion: driftless.dev/v1', 'kind: Host', 'metadata:', `  name: ${name}`];
  if (annotations) {
    lines.push('  annotations:');
    for (const [k, v] of Object.entries(annotations)) lines.push(`    ${k}: ${JSON.stringify(v)}`);
  }
  lines.push('spec:', `  address: ${host.address}`, `  port: ${host.port}`, '  user: root', `  privateKey: { secret: ${keySecret} }`);
  if (steps.length > 0) {
    lines.push('  init:');
    for (const s of steps) lines.push(`    - name: ${s.name}`, `      run: ${JSON.stringify(s.run)}`);
  }
  return lines.join('\n') + '\n';
}

export interface HookOptions {
  event?: string;
  delivery?: string;
  ref?: string;
  signature?: string | null;
  body?: string;
}

/** POSTs a GitHub push delivery signed as GitHub documents (HMAC-SHA256 of the raw body, `sha256=` hex). */
export async function sendGithubHook(baseUrl: string, secret: string, opts: HookOptions = {}): Promise<Response> {
  const body = opts.body ?? JSON.stringify({ ref: opts.ref ?? 'refs/heads/main', after: '0'.repeat(40) });
  const sig = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': opts.event ?? 'push',
    'x-github-delivery': opts.delivery ?? randomUUID(),
  };
  if (opts.signature !== null) headers['x-hub-signature-256'] = opts.signature ?? sig;
  return fetch(`${baseUrl}/hooks/github`, { method: 'POST', headers, body });
}

export async function getJson<T = Record<string, unknown>>(url: string): Promise<T> {
  const res = await fetch(url);
  return (await res.json()) as T;
}

/** Polls `check` until it returns a value (not undefined/false) or the deadline passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Fetches the status branch into a scratch clone with the git CLI; returns its tip and a file reader. */
export async function readStatusBranch(url: string, branch = 'driftless/status'): Promise<{ tip: string; read(path: string): Promise<string>; log(): Promise<string[]> }> {
  const dir = tempDir('status-read');
  await git(dir, 'init', '--quiet');
  await git(dir, 'fetch', '--quiet', url, `+refs/heads/${branch}:refs/remotes/status`);
  const tip = await git(dir, 'rev-parse', 'refs/remotes/status');
  return {
    tip,
    read: (path) => git(dir, 'show', `refs/remotes/status:${path}`),
    log: async () => (await git(dir, 'log', '--format=%H %an <%ae> %s', 'refs/remotes/status')).split('\n'),
  };
}

export interface StatusBody {
  ready: boolean;
  running: boolean;
  source: { ok: boolean; message?: string };
  revision: { inForce?: string; lastAttempted?: string; head?: string };
  lastRun?: { id: string; outcome: string; revision: string; trigger: string; problems?: string[] };
  counts: { resources: number; ready: number; stalled: number };
  resources: { key: string; state: string; reason?: string; message?: string; lastAppliedRevision?: string }[];
}
