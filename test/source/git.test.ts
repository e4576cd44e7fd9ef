/**
 * Git source against a real smart-HTTP server (git http-backend) with repos pushed by the real git CLI.
 */
import { readdir, readFile, writeFile, mkdir, stat } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StalledError, TransientError } from '../../src/errors.js';
import { createGitSource } from '../../src/source/git.js';
import { commitAll, git, initWorkRepo, push, revParse } from '../harness/git-cli.js';
import { startGitServer, type GitServer } from '../harness/git-server.js';
import { tempDir } from '../harness/tmp.js';

let server: GitServer;
let work: string;
let url: string;
const timings: Record<string, number> = {};

async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    timings[name] = Math.round(performance.now() - t0);
  }
}

/** Relative path -> content of every file under dir (recursive). */
async function readTreeOnDisk(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile()) continue;
    const abs = join(e.parentPath, e.name);
    out[abs.slice(dir.length + 1)] = await readFile(abs, 'utf8');
  }
  return out;
}

async function packRequests(from: number): Promise<number> {
  return server.requests.slice(from).filter((r) => r.method === 'POST').length;
}

beforeAll(async () => {
  server = await startGitServer();
  await server.createBareRepo('config.git');
  url = server.url('config.git');
  work = tempDir('git-work');
  await initWorkRepo(work);
  await mkdir(join(work, 'hosts'), { recursive: true });
  await writeFile(join(work, 'driftless.yaml'), 'apiVersion: driftless.dev/v1\n');
  await writeFile(join(work, 'hosts', 'web-1.yaml'), 'kind: Host\nmetadata: {name: web-1}\n');
  await writeFile(join(work, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  await commitAll(work, 'initial');
  await push(work, url, 'main');
});

afterAll(async () => {
  await server.dispose();
  process.stderr.write(`[git source timings ms] ${JSON.stringify(timings)}\n`);
});

describe('git source', () => {
  const cacheDir = tempDir('git-cache');

  it('clones the pushed commit and materialises the same files git has', async () => {
    const source = createGitSource({ url, ref: 'main', cacheDir });
    const rev = await timed('first clone', () => source.fetch());
    expect(rev.commit).toBe(await revParse(work, 'HEAD'));
    expect(rev.ref).toBe('main');
    const files = await readTreeOnDisk(rev.dir);
    expect(Object.keys(files).sort()).toEqual(['driftless.yaml', 'hosts/web-1.yaml', 'run.sh']);
    expect(files['hosts/web-1.yaml']).toBe(await readFile(join(work, 'hosts', 'web-1.yaml'), 'utf8'));
    expect((await stat(join(rev.dir, 'run.sh'))).mode & 0o111).not.toBe(0);
  });

  it('polls with ls-remote without downloading a pack, and a no-op fetch downloads nothing', async () => {
    const source = createGitSource({ url, ref: 'main', cacheDir });
    const before = server.requests.length;
    const polled = await timed('no-op poll', () => source.lsRemote());
    expect(polled).toBe(await revParse(work, 'HEAD'));
    expect(server.requests.length - before).toBe(1);
    expect(await packRequests(before)).toBe(0);
    const again = await timed('no-op fetch', () => source.fetch());
    expect(again.commit).toBe(polled);
    expect(await packRequests(before)).toBe(0);
  });

  it('fetches and materialises a newly pushed commit, removing stale checkouts', async () => {
    const source = createGitSource({ url, ref: 'main', cacheDir });
    const first = await source.fetch();
    await writeFile(join(work, 'hosts', 'web-2.yaml'), 'kind: Host\nmetadata: {name: web-2}\n');
    const second = await commitAll(work, 'add web-2');
    await push(work, url, 'main');
    expect(await source.lsRemote()).toBe(second);
    const before = server.requests.length;
    const rev = await timed('incremental fetch', () => source.fetch());
    expect(await packRequests(before)).toBe(1);
    // The fetch discovers the ref itself (GET info/refs + POST): no second ls-remote for what the poll just saw.
    expect(server.requests.length - before).toBe(2);
    expect(rev.commit).toBe(second);
    expect(Object.keys(await readTreeOnDisk(rev.dir))).toContain('hosts/web-2.yaml');
    await writeFile(join(work, 'hosts', 'web-3.yaml'), 'kind: Host\nmetadata: {name: web-3}\n');
    await writeFile(join(work, 'driftless.yaml'), 'apiVersion: driftless.dev/v1\n# changed\n');
    const third = await commitAll(work, 'add web-3');
    await push(work, url, 'main');
    const beforeThird = server.requests.length;
    const rev3 = await source.fetch(); // no poll before it: still one GET and one POST
    expect(server.requests.length - beforeThird).toBe(2);
    expect(rev3.commit).toBe(third);
    // Unchanged files are hard-linked from the previous checkout, changed ones rewritten: both must equal git's.
    const onDisk = await readTreeOnDisk(rev3.dir);
    for (const f of ['driftless.yaml', 'hosts/web-1.yaml', 'hosts/web-2.yaml', 'hosts/web-3.yaml', 'run.sh']) {
      expect(onDisk[f]).toBe(await git(work, 'show', `${third}:${f}`).then((t) => `${t}\n`));
    }
    expect(await readFile(join(rev.dir, 'driftless.yaml'), 'utf8')).toBe('apiVersion: driftless.dev/v1\n');
    await source.idle(); // old checkouts are removed in the background, after fetch() returned
    const kept = (await readdir(join(cacheDir, 'checkouts'))).sort();
    expect(kept).toEqual([second, third].sort());
    expect(kept).not.toContain(first.commit);
  });

  it('checks out a lightweight tag, an annotated tag and a full commit id', async () => {
    const tagged = await revParse(work, 'HEAD');
    await git(work, 'tag', 'v1.0.0');
    await git(work, 'tag', '-a', 'v1.1.0', '-m', 'release');
    await git(work, 'push', '--quiet', url, 'v1.0.0', 'v1.1.0');
    for (const tag of ['v1.0.0', 'v1.1.0']) {
      const rev = await createGitSource({ url, ref: tag, cacheDir: tempDir(`tag-${tag}`) }).fetch();
      expect(rev.commit).toBe(tagged);
      expect(rev.ref).toBe(tag);
    }
    const old = await revParse(work, 'HEAD~2');
    const byId = createGitSource({ url, ref: old, cacheDir: tempDir('commit-id') });
    const before = server.requests.length;
    const rev = await timed('commit id fetch', () => byId.fetch());
    expect(rev.commit).toBe(old);
    // Smart HTTP upload-pack accepts any want reachable from a ref, so even a non-tip commit is one shallow fetch.
    expect(await packRequests(before)).toBe(1);
    expect(Object.keys(await readTreeOnDisk(rev.dir))).not.toContain('hosts/web-2.yaml');
    const again = server.requests.length;
    expect((await byId.fetch()).commit).toBe(old);
    expect(server.requests.length).toBe(again);
  });

  it('fails closed with SourceUnavailable for a ref that does not exist', async () => {
    const source = createGitSource({ url, ref: 'no-such-branch', cacheDir: tempDir('missing-ref') });
    expect(await source.lsRemote()).toBeUndefined();
    await expect(source.fetch()).rejects.toMatchObject({ reason: 'SourceUnavailable' });
    await expect(source.fetch()).rejects.toBeInstanceOf(StalledError);
  });

  it('fails closed on an empty tree and ignores a half-written checkout left by a crash', async () => {
    // git knows the empty tree without it being stored.
    const empty = await git(work, 'commit-tree', '4b825dc642cb6eb9a060e54bf8d69288fbee4904', '-m', 'empty');
    await git(work, 'push', '--quiet', url, `${empty}:refs/heads/empty`);
    const emptyCache = tempDir('empty-tree');
    const err = await createGitSource({ url, ref: 'empty', cacheDir: emptyCache }).fetch().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StalledError);
    expect((err as Error).message).toMatch(/empty tree/);
    expect(await readdir(join(emptyCache, 'checkouts'))).toEqual([]);

    const crashCache = tempDir('crash');
    const head = await revParse(work, 'HEAD');
    const half = join(crashCache, 'checkouts', `.tmp-${head}-99999-abcdef`);
    await mkdir(half, { recursive: true });
    await writeFile(join(half, 'driftless.yaml'), 'half');
    const crashSource = createGitSource({ url, ref: 'main', cacheDir: crashCache });
    const rev = await crashSource.fetch();
    // Leftovers are pruned off the fetch's critical path: wait for that before looking.
    await crashSource.idle();
    expect(await readdir(join(crashCache, 'checkouts'))).toEqual([head]);
    expect(await readFile(join(rev.dir, 'driftless.yaml'), 'utf8')).not.toBe('half');
  });

  it('a branch deleted after a fetch is reported as not found, not as a fetch failure', async () => {
    await git(work, 'push', '--quiet', url, 'HEAD:refs/heads/short-lived');
    const source = createGitSource({ url, ref: 'short-lived', cacheDir: tempDir('deleted-ref') });
    await source.fetch();
    await git(work, 'push', '--quiet', url, ':refs/heads/short-lived');
    const err = await source.fetch().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StalledError);
    expect(err).toMatchObject({ reason: 'SourceUnavailable' });
    expect((err as Error).message).toMatch(/ref short-lived not found at /);
  });

  it('reports an outage as transient SourceUnavailable and recovers after restart', async () => {
    const source = createGitSource({ url, ref: 'main', cacheDir });
    await server.stop();
    const err = await source.fetch().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ reason: 'SourceUnavailable' });
    await expect(source.lsRemote()).rejects.toMatchObject({ reason: 'SourceUnavailable' });
    await server.restart();
    const rev = await source.fetch();
    expect(rev.commit).toBe(await revParse(work, 'HEAD'));
  });

  it('gives up on a server that accepts but never answers, as transient SourceUnavailable', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((sock) => void sockets.push(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const source = createGitSource({ url: `http://127.0.0.1:${port}/x.git`, cacheDir: tempDir('hung'), timeoutMs: 300 });
      await expect(source.lsRemote()).rejects.toMatchObject({ reason: 'SourceUnavailable', disposition: 'transient' });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
