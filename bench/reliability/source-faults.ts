/**
 * Source faults: a real `driftless serve` follows a branch on the harness's Git smart-HTTP server through a fault
 * proxy (lib/fault-proxy.ts), with a short poll interval standing in for a real one (time-compressed: an outage of
 * `--outage-s` at a 1 s interval is as many polls as 10 minutes at 60 s). Prune is ON for the repo's Clusters, so
 * a fault that made the daemon believe resources were gone would show as prunes. Faults, one after the other:
 * server down, every request 500, upload-pack answers cut in half (truncated pack), requests that hang, a commit
 * with an empty tree, a force-pushed branch (a valid rewrite: must be applied), the branch deleted.
 * For each: time until /status says the source is not ok and why, applies of a commit that was not fully fetched
 * and validated during the fault (must be 0), prunes (must be 0), and time from the fault's end to the newest
 * commit applied (must be within one poll interval plus its jitter and the run itself).
 * Usage: npx tsx bench/reliability/source-faults.ts [--interval-ms 1000] [--outage-s 10] [--clusters 20]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitServer } from '../../test/harness/git-server.js';
import { parseArgs, printTable } from './lib/cli.js';
import { configRepo, startDaemon, type Daemon } from './lib/daemon.js';
import { startFaultProxy, type FaultMode } from '../../test/harness/fault-proxy.js';

const args = parseArgs(process.argv.slice(2), { points: 1 });
const intervalMs = Number(args.extra.get('interval-ms') ?? 1000);
const outageMs = Number(args.extra.get('outage-s') ?? 10) * 1000;
const clusters = Number(args.extra.get('clusters') ?? 20);

interface StatusView {
  source: { ok: boolean; message?: string };
  revision: { inForce?: string; head?: string };
  counts: { resources: number };
}
interface RunsView {
  runs: Array<{ revision: string; outcome: string; counts?: Record<string, number>; startedAt: string }>;
}

function files(n: number, tag: string): Record<string, string> {
  const out: Record<string, string> = { 'driftless.yaml': 'apiVersion: driftless.dev/v1\nprune: { enabled: true, kinds: [Cluster] }\n' };
  for (let i = 0; i < n; i++) out[`clusters/c-${i}.yaml`] = `apiVersion: driftless.dev/v1\nkind: Cluster\nmetadata: { name: c-${i} }\nspec: { description: "${tag}" }\n`;
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs: number): Promise<{ value: T; ms: number } | undefined> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return { value: v, ms: Date.now() - start };
    await sleep(50);
  }
  console.log(`  (${what}: not within ${timeoutMs} ms)`);
  return undefined;
}

interface Row {
  fault: string;
  detectMs?: number;
  why: string;
  badApplies: number;
  prunes: number;
  recoverMs?: number;
  /** From the fault's end to the first poll that answered (the source ok again in /status). */
  okMs?: number;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'driftless-source-faults-'));
  const server = await startGitServer();
  const bare = await server.createBareRepo('config.git');
  const proxy = await startFaultProxy(server.baseUrl);
  const repo = configRepo(join(work, 'clone'), bare);
  let head = repo.commit(files(clusters, 'v0'), 'v0');
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const daemon: Daemon = await startDaemon(
    ['--repo', `${proxy.baseUrl}/config.git#main`, '--interval', `${intervalMs}ms`, '--drift-interval', '0s', '--no-status-push', '--state-dir', join(work, 'state'), '--log-level', 'warn'],
    { port },
  );
  const status = () => daemon.get<StatusView>('/status');
  const applied = (commit: string) => async () => ((await status()).revision.inForce === commit && (await status()).source.ok ? true : undefined);
  console.log(`source-faults: interval ${intervalMs} ms, outage ${outageMs} ms, ${clusters} clusters (prune on), work dir ${work}`);
  if (!(await until('first apply', applied(head), 60_000))) throw new Error(`first run did not apply ${head}:\n${daemon.output().slice(-3000)}`);

  const rows: Row[] = [];
  let version = 0;
  /** Counts runs since `since` that applied `bad`, and every prune since then. */
  const audit = async (since: string, bad: string[]) => {
    const runs = (await daemon.get<RunsView>('/runs')).runs.filter((r) => r.startedAt >= since);
    return {
      badApplies: runs.filter((r) => bad.includes(r.revision) && r.outcome !== 'Stalled').length,
      prunes: runs.reduce((s, r) => s + Object.entries(r.counts ?? {}).filter(([k]) => /prun|delete/i.test(k)).reduce((a, [, v]) => a + v, 0), 0),
    };
  };

  const network = async (fault: string, mode: FaultMode) => {
    const since = new Date().toISOString();
    await proxy.set(mode);
    const during = repo.commit(files(clusters, `v${++version}`), `during ${fault}`);
    const detect = await until(`${fault} detected`, async () => ((await status()).source.ok ? undefined : (await status()).source.message ?? '?'), outageMs);
    await sleep(Math.max(0, outageMs - (detect?.ms ?? outageMs)));
    const a = await audit(since, [during]);
    const ended = Date.now();
    await proxy.set('pass');
    const ok = await until(`${fault} source ok again`, async () => ((await status()).source.ok ? true : undefined), 10 * intervalMs + 30_000);
    const rec = await until(`${fault} recovery`, applied(during), 10 * intervalMs + 30_000);
    head = during;
    const clustersLeft = (await status()).counts.resources;
    rows.push({ fault, ...(detect ? { detectMs: detect.ms } : {}), why: (detect?.value ?? 'not reported').slice(0, 90), ...a, prunes: a.prunes + (clusters - clustersLeft), ...(rec ? { recoverMs: Date.now() - ended } : {}), ...(ok ? { okMs: ok.ms } : {}) });
  };

  await network('git server down', 'down');
  await network('HTTP 500 on every request', 'http500');
  await network('truncated pack (upload-pack cut in half)', 'truncate');
  await network('requests hang', 'hang');

  // A commit whose tree is empty: refused, nothing pruned, then a good commit recovers.
  {
    const since = new Date().toISOString();
    const empty = repo.commit({}, 'empty tree');
    const detect = await until('empty tree refused', async () => ((await status()).source.message?.includes('refusing') ? (await status()).source.message : undefined), 30_000);
    await sleep(3 * intervalMs);
    const a = await audit(since, [empty]);
    const ended = Date.now();
    head = repo.commit(files(clusters, `v${++version}`), 'good again');
    const rec = await until('recovery after empty tree', applied(head), 30_000);
    rows.push({ fault: 'commit with an empty tree', ...(detect ? { detectMs: detect.ms } : {}), why: (detect?.value ?? 'not reported').slice(0, 90), ...a, prunes: a.prunes + (clusters - (await status()).counts.resources), ...(rec ? { recoverMs: Date.now() - ended } : {}) });
  }
  // A force-push to a rewritten history with valid content: applied like any commit, nothing pruned.
  {
    const since = new Date().toISOString();
    const rewritten = repo.commit(files(clusters, `v${++version}`), 'rewritten history', { force: true, orphan: true });
    const rec = await until('force-push applied', applied(rewritten), 30_000);
    const a = await audit(since, []);
    head = rewritten;
    rows.push({ fault: 'force-pushed branch (valid rewrite)', why: 'not a fault: applied as a new revision', badApplies: 0, prunes: a.prunes + (clusters - (await status()).counts.resources), ...(rec ? { recoverMs: rec.ms } : {}) });
  }
  // The branch deleted, then pushed again.
  {
    const since = new Date().toISOString();
    repo.deleteBranch();
    const detect = await until('branch deleted detected', async () => ((await status()).source.ok ? undefined : (await status()).source.message ?? '?'), outageMs);
    await sleep(Math.max(0, outageMs - (detect?.ms ?? outageMs)));
    const a = await audit(since, []);
    const ended = Date.now();
    head = repo.commit(files(clusters, `v${++version}`), 'branch back', { force: true });
    const rec = await until('branch back applied', applied(head), 10 * intervalMs + 30_000);
    rows.push({ fault: 'branch deleted', ...(detect ? { detectMs: detect.ms } : {}), why: (detect?.value ?? 'not reported').slice(0, 90), ...a, prunes: a.prunes + (clusters - (await status()).counts.resources), ...(rec ? { recoverMs: Date.now() - ended } : {}) });
  }

  await daemon.stop();
  await proxy.close();
  await server.dispose();
  if (!args.keep) rmSync(work, { recursive: true, force: true });
  const s = (ms?: number) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`);
  console.log(`\nfigures (${new Date().toISOString().slice(0, 10)}, poll interval ${intervalMs} ms, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
  printTable([
    ['fault', 'detected in', 'bad applies', 'prunes', 'source ok again in', 'newest commit applied in', '/status says'],
    ...rows.map((r) => [r.fault, s(r.detectMs), String(r.badApplies), String(r.prunes), r.okMs === undefined ? '-' : s(r.okMs), s(r.recoverMs), r.why]),
  ]);
  process.exitCode = rows.every((r) => r.badApplies === 0 && r.prunes === 0 && r.recoverMs !== undefined) ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
