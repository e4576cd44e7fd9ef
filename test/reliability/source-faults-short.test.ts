/**
 * The short, CI-sized version of bench/reliability/source-faults.ts: a real `driftless serve` follows a branch on the
 * harness's Git smart-HTTP server through a fault proxy, prune ON for its Clusters, poll interval 300 ms. For each
 * fault (HTTP 500 on every request, the pack truncated, the server down, the branch deleted) while a new commit
 * waits behind it: /status names the fault, no run applies that commit, nothing is pruned, and once the fault ends
 * the new commit is applied.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, waitFor, type RunningCli } from '../harness/cli.js';
import { startFaultProxy, type FaultMode, type FaultProxy } from '../harness/fault-proxy.js';
import { commitAll, git, initWorkRepo } from '../harness/git-cli.js';
import { startGitServer, type GitServer } from '../harness/git-server.js';
import { tempDir } from '../harness/tmp.js';

const CLUSTERS = 5;

interface StatusView {
  source: { ok: boolean; message?: string };
  revision: { inForce?: string };
  counts: { resources: number };
}
interface RunsView {
  runs: Array<{ revision: string; outcome: string; counts?: Record<string, number> }>;
}

let server: GitServer;
let proxy: FaultProxy;
let bare: string;
let work: string;
let daemon: RunningCli;
let url: string;
let version = 0;

const get = async <T>(path: string): Promise<T> => (await (await fetch(url + path, { signal: AbortSignal.timeout(5000) })).json()) as T;
const status = () => get<StatusView>('/status');

/** Commits CLUSTERS clusters (description `v<n>`) and pushes straight into the bare repo (no fault on that path). */
async function commit(): Promise<string> {
  version += 1;
  for (let i = 0; i < CLUSTERS; i++) {
    writeFileSync(join(work, 'clusters', `c-${i}.yaml`), `apiVersion: driftless.dev/v1\nkind: Cluster\nmetadata: { name: c-${i} }\nspec: { description: "v${version}" }\n`);
  }
  const sha = await commitAll(work, `v${version}`);
  await git(work, 'push', '--quiet', '--force', bare, 'HEAD:refs/heads/main');
  return sha;
}

async function appliedAndOk(sha: string): Promise<boolean> {
  const s = await status().catch(() => undefined);
  return s?.revision.inForce === sha && s.source.ok;
}

beforeAll(async () => {
  server = await startGitServer();
  bare = await server.createBareRepo('config.git');
  proxy = await startFaultProxy(server.baseUrl);
  work = tempDir('source-faults-work');
  await initWorkRepo(work);
  mkdirSync(join(work, 'clusters'));
  writeFileSync(join(work, 'driftless.yaml'), 'apiVersion: driftless.dev/v1\nprune: { enabled: true, kinds: [Cluster] }\n');
  const first = await commit();
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  url = `http://127.0.0.1:${port}`;
  const state = tempDir('source-faults-state');
  daemon = spawnCli(['serve', '--repo', `${proxy.baseUrl}/config.git#main`, '--interval', '300ms', '--drift-interval', '0s', '--no-status-push', '--listen', `127.0.0.1:${port}`, '--state-dir', state]);
  await waitFor('the first commit applied', () => appliedAndOk(first), 90_000, 100);
});
afterAll(async () => {
  daemon?.child.kill('SIGTERM');
  await daemon?.done;
  await proxy?.close();
  await server?.dispose();
});

describe('source faults on a daemon with prune on', () => {
  const cases: Array<{ fault: string; mode?: FaultMode; deleteBranch?: true; says: RegExp }> = [
    { fault: 'HTTP 500 on every request', mode: 'http500', says: /source unavailable \(poll\): .*(500|HTTP Error)/ },
    { fault: 'a truncated pack', mode: 'truncate', says: /source unavailable \(fetch\)/ },
    { fault: 'the server down', mode: 'down', says: /source unavailable \(poll\): .*ECONNREFUSED/ },
    { fault: 'the branch deleted', deleteBranch: true, says: /ref not found/ },
  ];
  for (const c of cases) {
    it(`${c.fault}: /status says why, nothing applied or pruned, the waiting commit applied once it ends`, async () => {
      const before = (await get<RunsView>('/runs')).runs.length;
      const inForce = (await status()).revision.inForce;
      let waiting: string | undefined;
      if (c.mode) {
        await proxy.set(c.mode);
        waiting = await commit();
      } else {
        await git(bare, 'update-ref', '-d', 'refs/heads/main');
      }
      await waitFor(`/status to report ${c.fault}`, async () => (await status()).source.ok === false, 30_000, 50);
      const during = await status();
      expect(during.source.message).toMatch(c.says);
      expect(during.source.message).toContain('nothing applied or pruned');
      expect(during.revision.inForce).toBe(inForce);
      expect(during.counts.resources).toBe(CLUSTERS);
      if (c.mode) await proxy.set('pass');
      else waiting = await commit();
      await waitFor(`the commit after ${c.fault} applied`, () => appliedAndOk(waiting!), 30_000, 50);
      const runs = (await get<RunsView>('/runs')).runs.slice(0, (await get<RunsView>('/runs')).runs.length - before);
      expect(runs.filter((r) => r.revision !== waiting), `runs during ${c.fault}`).toEqual([]);
      expect(runs.flatMap((r) => Object.keys(r.counts ?? {})).filter((k) => /prun|delete/i.test(k))).toEqual([]);
      expect((await status()).counts.resources).toBe(CLUSTERS);
    }, 90_000);
  }
});
