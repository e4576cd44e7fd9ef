/**
 * Daemon scale: a real `driftless serve` process (bin/driftless.js) over a repo of N resources on H lab hosts
 * (default 1,000 over 50: H Hosts, each observed over SSH every run, 10 Clusters and Services for the rest), from
 * a directory source. Measures what the target names: a warm no-op reconcile (SSH connections already open): a new
 * revision whose only change is a comment, so the daemon loads it, observes every resource, plans and applies
 * nothing, read from its own `run finished` log line (durationMs), median of --runs; plus the first run (start,
 * load, create) and the daemon's peak RSS. Target: no-op reconcile of 1,000 resources over 50 hosts <= 5 s.
 * (A drift run would observe the same, but logs nothing when it finds no drift.)
 *
 *   npx tsx bench/daemon-scale.ts [--resources 1000] [--hosts 50] [--runs 3] [--quick] [--node-arg=--cpu-prof]
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDockerEngine } from '../src/lab/engine.js';
import { hostYaml, settingsYaml } from '../test/e2e/fixture.js';
import { startTestHosts, type TestHosts } from '../test/harness/hosts.js';
import { LOOPBACK_HOSTS, writeOperatorSettings } from '../test/harness/secrets.js';
import { tempDir } from '../test/harness/tmp.js';
import { benchStart, median } from './lib/record.js';

const rec = benchStart('daemon-scale');
const args = process.argv.slice(2);
const num = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const RESOURCES = num('resources', rec.quick ? 40 : 1000);
const HOSTS = num('hosts', rec.quick ? 4 : 50);
const RUNS = num('runs', rec.quick ? 1 : 3);
const CLUSTERS = 10;
const TARGET_MS = 5000;
const nodeArgs = args.filter((a) => a.startsWith('--node-arg=')).map((a) => a.slice('--node-arg='.length));

/** Lab hosts in batches of 10: dozens of containers generating host keys at once outrun the banner timeout. */
async function startFleet(n: number): Promise<TestHosts[]> {
  const out: TestHosts[] = [];
  try {
    for (let left = n; left > 0; left -= 10) out.push(await startTestHosts(Math.min(10, left), { name: 'bench-scale' }));
  } catch (err) {
    await Promise.allSettled(out.map((b) => b.teardown()));
    throw err;
  }
  return out;
}

function writeRepo(dir: string, fleet: TestHosts[]): void {
  for (const sub of ['hosts', 'clusters', 'services']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'driftless.yaml'), settingsYaml().replace('concurrency: 4', 'concurrency: 16'));
  const hosts = fleet.flatMap((b, i) => b.hosts.map((h) => ({ h, key: `key-${i}` })));
  hosts.forEach(({ h, key }, i) => writeFileSync(join(dir, 'hosts', `h-${i}.yaml`), hostYaml(`h-${i}`, h, key, [])));
  const doc = (kind: string, name: string, spec: string) => `apiVersion: driftless.dev/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
  const clusters = Array.from({ length: CLUSTERS }, (_, i) => doc('Cluster', `c-${i}`, `  description: cluster ${i}\n  owner: team-${i}\n`));
  writeFileSync(join(dir, 'clusters', 'clusters.yaml'), clusters.join('---\n'));
  const services = Math.max(0, RESOURCES - hosts.length - CLUSTERS);
  for (let i = 0; i < services; i++) {
    writeFileSync(join(dir, 'services', `s-${i}.yaml`), doc('Service', `s-${i}`, `  cluster: c-${i % CLUSTERS}\n  description: service ${i}\n  owner: team-${i % 40}\n`));
  }
}

interface RunLine {
  at: number;
  trigger: string;
  outcome: string;
  durationMs: number;
  counts?: unknown;
}

async function main(): Promise<void> {
  const engine = await ensureDockerEngine();
  process.env.DOCKER_HOST = engine.dockerHost;
  rec.log(`starting ${HOSTS} lab hosts`);
  const fleet = await startFleet(HOSTS);
  const work = tempDir('bench-scale');
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const repo = join(work, 'repo');
    writeRepo(repo, fleet);
    const config = writeOperatorSettings(Object.fromEntries(fleet.map((b, i) => [`key-${i}`, { value: b.privateKey, allow: LOOPBACK_HOSTS }])));
    const bin = join(import.meta.dirname, '..', 'bin', 'driftless.js');
    const t0 = performance.now();
    child = spawn(
      process.execPath,
      [...nodeArgs, bin, 'serve', '--repo', repo, '--config', config, '--listen', '127.0.0.1:0', '--state-dir', join(work, 'state'), '--interval', '1s', '--drift-interval', '0s', '--no-status-push', '--no-watch'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DRIFTLESS_LOG_LEVEL: 'info' } },
    );
    const runs: RunLine[] = [];
    let tail = '';
    let partial = '';
    const onData = (d: Buffer) => {
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        tail = (tail + line + '\n').slice(-4000);
        if (!line.includes('"msg":"run finished"')) continue;
        const r = JSON.parse(line) as { trigger: string; outcome: string; durationMs: number; counts?: unknown };
        runs.push({ at: performance.now(), trigger: r.trigger, outcome: r.outcome, durationMs: r.durationMs, counts: r.counts });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const deadline = Date.now() + 20 * 60_000;
    const waitRuns = async (n: number) => {
      while (runs.length < n) {
        if (child?.exitCode !== null) throw new Error(`driftless serve exited ${child?.exitCode}: ${tail}`);
        if (Date.now() > deadline) throw new Error(`not enough runs: ${JSON.stringify(runs)} ${tail}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    // The first run, then RUNS no-op runs: each after a comment-only edit (a new revision, nothing to change).
    await waitRuns(1);
    for (let i = 1; i <= RUNS; i++) {
      appendFileSync(join(repo, 'clusters', 'clusters.yaml'), `# no-op edit ${i}\n`);
      await waitRuns(1 + i);
    }
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const peakMiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    const first = runs[0] as RunLine;
    if (first.outcome !== 'Succeeded') throw new Error(`first run ${first.outcome}: ${tail}`);
    const noop = runs.slice(1);
    const bad = noop.find((r) => Object.keys((r.counts ?? {}) as object).some((k) => k !== 'noop'));
    if (bad) throw new Error(`a no-op run was not: ${bad.outcome} ${JSON.stringify(bad.counts)}`);
    rec.log(`no-op runs: ${noop.map((r) => `${r.durationMs} ms ${r.outcome} ${JSON.stringify(r.counts)}`).join('; ')}`);
    const warm = median(noop.map((r) => r.durationMs));
    const hostCount = fleet.reduce((a, b) => a + b.hosts.length, 0);
    rec.finish({
      compares: `a real \`driftless serve\` over ${RESOURCES} resources (${hostCount} Hosts observed over SSH, ${CLUSTERS} Clusters, Services) on ${hostCount} lab hosts: warm no-op reconcile, and the first run`,
      figures: [
        `no-op reconcile (load + observe all + plan, nothing to apply) ${warm} ms, median of ${noop.length}`,
        `first run incl. start ${((first.at - t0) / 1000).toFixed(2)} s (run alone ${(first.durationMs / 1000).toFixed(2)} s); peak RSS ${peakMiB.toFixed(0)} MiB`,
      ],
      target: `no-op reconcile of 1,000 resources over 50 hosts <= ${TARGET_MS / 1000} s`,
      ...(RESOURCES >= 1000 && hostCount >= 50 ? { met: warm <= TARGET_MS } : {}),
    });
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child?.once('close', r));
    }
    await Promise.allSettled(fleet.map((b) => b.teardown()));
  }
}

await main();
