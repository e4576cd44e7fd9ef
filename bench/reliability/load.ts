/**
 * Load: a real `driftless serve` following a branch on the harness's Git smart-HTTP server whose repo declares
 * `--resources` resources over `--hosts` sshd test hosts: one Host each (an init step, observed over SSH every
 * cycle) and Clusters for the rest. Two figures:
 * 1. no-op reconcile: with `--interval 1s --drift-interval 1s` every tick is a drift run that observes and plans
 *    everything and finds nothing to do; over `--cycles` runs, each run's duration (as the daemon logs it) and the
 *    daemon's RSS after it: the first and last 10 printed, so growth shows.
 * 2. pushes: `--pushes` commits pushed over one minute, each followed by a signed webhook; runs coalesce (fewer runs
 *    than pushes) and none is lost: the last commit ends up applied.
 * Usage: npx tsx bench/reliability/load.ts [--hosts 50] [--resources 1000] [--cycles 100] [--pushes 100] [--keep]
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDockerEngine } from '../../src/lab/engine.js';
import { startGitServer } from '../../test/harness/git-server.js';
import { startTestHosts, type TestHosts } from '../../test/harness/hosts.js';
import { writeOperatorSettings, LOOPBACK_HOSTS } from '../../test/harness/secrets.js';
import { parseArgs, percentile, printTable } from './lib/cli.js';
import { configRepo, startDaemon } from './lib/daemon.js';

const args = parseArgs(process.argv.slice(2), { points: 1 });
const hostCount = Number(args.extra.get('hosts') ?? 50);
const resources = Number(args.extra.get('resources') ?? 1000);
const cycles = Number(args.extra.get('cycles') ?? 100);
const pushes = Number(args.extra.get('pushes') ?? 100);
const SECRET = 'load-webhook-secret';

function files(fleet: TestHosts, tag: string): Record<string, string> {
  const out: Record<string, string> = {
    'driftless.yaml': 'apiVersion: driftless.dev/v1\nconcurrency: 16\ndefaults:\n  Host:\n    privateKey: { secret: load-key }\n',
  };
  fleet.hosts.forEach((h, i) => {
    out[`hosts/h${i}.yaml`] = `apiVersion: driftless.dev/v1\nkind: Host\nmetadata: { name: h${i} }\nspec:\n  address: 127.0.0.1\n  port: ${h.port}\n  init:\n    - { name: once, run: "echo ok > /root/once" }\n`;
  });
  for (let i = 0; i < resources - fleet.hosts.length; i++) {
    out[`clusters/c-${i}.yaml`] = `apiVersion: driftless.dev/v1\nkind: Cluster\nmetadata: { name: c-${i} }\nspec: { description: "${i === 0 ? tag : 'steady'}" }\n`;
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  process.env.DOCKER_HOST ??= (await ensureDockerEngine()).dockerHost;
  const work = mkdtempSync(join(tmpdir(), 'driftless-load-'));
  const fleets: TestHosts[] = [];
  for (let left = hostCount; left > 0; left -= 10) fleets.push(await startTestHosts(Math.min(10, left), { name: 'load' }));
  const fleet: TestHosts = { ...fleets[0]!, hosts: fleets.flatMap((f) => f.hosts), teardown: async () => void (await Promise.allSettled(fleets.map((f) => f.teardown()))) };
  // Every batch has its own key; one key for all hosts keeps the repo simple: authorise batch 0's everywhere.
  await Promise.all(fleet.hosts.map((h) => h.exec(`echo '${fleets[0]!.publicKey}' >> /root/.ssh/authorized_keys`)));
  const server = await startGitServer();
  try {
    const bare = await server.createBareRepo('config.git');
    const repo = configRepo(join(work, 'clone'), bare);
    let head = repo.commit(files(fleet, 'v0'), 'v0');
    const state = join(work, 'state');
    writeOperatorSettings({ 'load-key': { value: fleet.privateKey, allow: LOOPBACK_HOSTS } }, { dir: state, name: 'config.yaml' });
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const daemon = await startDaemon(
      ['--repo', `${server.url('config.git')}#main`, '--interval', '1s', '--drift-interval', '1s', '--no-status-push', '--state-dir', state, '--log-level', 'debug', '--webhook-secret-env', 'LOAD_SECRET'],
      { port, env: { LOAD_SECRET: SECRET } },
    );
    try {
      const runsLogged = () => daemon.runs;
      const inForce = async () => (await daemon.get<{ revision: { inForce?: string } }>('/status')).revision.inForce;
      const t0 = Date.now();
      while ((await inForce().catch(() => undefined)) !== head) {
        if (Date.now() - t0 > 20 * 60_000) throw new Error(`first run did not apply:\n${daemon.output().slice(-3000)}`);
        await sleep(200);
      }
      console.log(`load: ${fleet.hosts.length} hosts, ${resources} resources; first run applied in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      // 1. no-op reconciles: one drift run per tick; RSS sampled after each.
      const samples: Array<{ ms: number; rssMiB: number; outcome: string }> = [];
      let seen = runsLogged().length;
      const deadline = Date.now() + cycles * 30_000;
      while (samples.length < cycles && Date.now() < deadline) {
        const runs = runsLogged();
        for (const r of runs.slice(seen)) if (r.trigger === 'drift') samples.push({ ms: r.durationMs, rssMiB: daemon.rss().rssMiB, outcome: r.outcome });
        seen = runs.length;
        await sleep(100);
      }
      // 2. pushes in a minute, each followed by a signed webhook.
      const before = runsLogged().length;
      const gap = 60_000 / pushes;
      const pushStart = Date.now();
      for (let i = 1; i <= pushes; i++) {
        head = repo.change('clusters/c-0.yaml', files(fleet, `push-${i}`)['clusters/c-0.yaml']!, `push ${i}`);
        const body = JSON.stringify({ ref: 'refs/heads/main', after: head });
        const sig = createHmac('sha256', SECRET).update(body).digest('hex');
        await fetch(`${daemon.url}/hooks/generic`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-signature': `sha256=${sig}`, 'x-delivery-id': randomUUID() } }).catch(() => undefined);
        await sleep(Math.max(0, pushStart + i * gap - Date.now()));
      }
      const pushedIn = Date.now() - pushStart;
      const settle = Date.now();
      while ((await inForce()) !== head && Date.now() - settle < 120_000) await sleep(200);
      const lastApplied = (await inForce()) === head;
      const pushRuns = runsLogged().slice(before).filter((r) => r.trigger !== 'drift');
      const peak = daemon.rss().peakMiB;
      await daemon.stop();
      const fmt = (s: typeof samples) => s.map((x) => `${(x.ms / 1000).toFixed(2)} s/${x.rssMiB.toFixed(0)} MiB`).join(', ');
      console.log(`first 10 no-op cycles (run / RSS after): ${fmt(samples.slice(0, 10))}`);
      console.log(`last 10 no-op cycles (run / RSS after):  ${fmt(samples.slice(-10))}`);
      const avg = (s: typeof samples, f: (x: (typeof samples)[number]) => number) => s.reduce((a, x) => a + f(x), 0) / Math.max(1, s.length);
      console.log(`\nfigures (${new Date().toISOString().slice(0, 10)}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
      printTable([
        ['hosts / resources', 'no-op cycles', 'no-op run p50 / p95', 'RSS first 10 / last 10 (mean)', 'peak RSS', 'pushes (in)', 'runs for them', 'last commit applied'],
        [
          `${fleet.hosts.length} / ${resources}`,
          `${samples.length} (${samples.filter((s) => s.outcome !== 'NoDrift').length} found drift)`,
          `${(percentile(samples.map((s) => s.ms), 50) / 1000).toFixed(2)} / ${(percentile(samples.map((s) => s.ms), 95) / 1000).toFixed(2)} s`,
          `${avg(samples.slice(0, 10), (x) => x.rssMiB).toFixed(0)} / ${avg(samples.slice(-10), (x) => x.rssMiB).toFixed(0)} MiB`,
          `${peak.toFixed(0)} MiB`,
          `${pushes} (${(pushedIn / 1000).toFixed(0)} s)`,
          String(pushRuns.length),
          lastApplied ? 'yes' : 'NO',
        ],
      ]);
      process.exitCode = lastApplied && pushRuns.length < pushes ? 0 : 1;
    } finally {
      await daemon.stop();
    }
  } finally {
    await server.dispose();
    await fleet.teardown();
    if (!args.keep) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
