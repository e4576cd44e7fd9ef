/**
 * Scale of one daemon run: a directory of N `Cluster` files served by a real `driftless serve` (dir source, no status
 * push, no drift checks), timing its first run and reading its peak and idle RSS from /proc (VmHWM, VmRSS), like the
 * last phase of bench/git-poll.ts but without the git server, so the growth curve over N is cheap to measure.
 * Usage: npx tsx bench/daemon-scale.ts [N ...] [--git [--status-push]] [--node-arg=--cpu-prof] [--entry=file.mjs] [--keep]     (not a test: numbers vary)
 * Node flags given with --node-arg go to the daemon (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof, --heap-prof).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitServer, type GitServer } from '../test/harness/git-server.js';

const args = process.argv.slice(2);
const sizes = args.filter((a) => /^\d+$/.test(a)).map(Number);
const nodeArgs = args.filter((a) => a.startsWith('--node-arg=')).map((a) => a.slice('--node-arg='.length));
const keep = args.includes('--keep');
/** Another entry point than bin/driftless.js, e.g. an esbuild bundle of src/cli/index.ts, to tell loader cost apart. */
/** Serve the repo over smart HTTP from the test harness (one commit), as bench/git-poll.ts does, instead of a directory. */
const overGit = args.includes('--git');
const entry = args.find((a) => a.startsWith('--entry='))?.slice('--entry='.length);
/** With --git: let the daemon commit its status report back (one file per resource), as a real deployment does. */
const statusPush = args.includes('--status-push');
/** Scrape /metrics every second after the first run, as Prometheus would (loads prom-client's process metrics). */
const scrape = !args.includes('--no-scrape');

function clusterYaml(i: number): string {
  return `apiVersion: driftless.dev/v1\nkind: Cluster\nmetadata:\n  name: c-${String(i).padStart(5, '0')}\nspec:\n  description: cluster ${i}\n  owner: team-${i % 40}\n`;
}

/** Writes the repo the way bench/git-poll.ts builds its first commit: settings plus one file per Cluster. */
function buildRepo(dir: string, n: number): void {
  mkdirSync(join(dir, 'clusters'), { recursive: true });
  writeFileSync(join(dir, 'driftless.yaml'), 'apiVersion: driftless.dev/v1\nconcurrency: 16\n');
  for (let i = 0; i < n; i++) writeFileSync(join(dir, 'clusters', `c-${String(i).padStart(5, '0')}.yaml`), clusterYaml(i));
}

interface Sample {
  n: number;
  firstRunMs: number;
  /** The run alone (plan + apply + record), as the daemon logs it. */
  runMs: number;
  peakMiB: number;
  rssMiB: number;
}

/** Commits the directory and pushes it to a new bare repo on the server; returns the repo's URL. */
async function publish(dir: string, n: number, server: GitServer): Promise<string> {
  const bare = await server.createBareRepo(`scale-${n}.git`);
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@bench', '-C', dir, ...a], { env });
  git('init', '--quiet', '--initial-branch', 'main');
  git('add', '.');
  git('commit', '--quiet', '-m', `${n} clusters`);
  git('push', '--quiet', bare, 'HEAD:main');
  return server.url(`scale-${n}.git`);
}

async function measure(n: number, work: string, server: GitServer | undefined): Promise<Sample> {
  const dir = join(work, `repo-${n}`);
  buildRepo(dir, n);
  const repo = server ? await publish(dir, n, server) : dir;
  const bin = entry ?? join(import.meta.dirname, '..', 'bin', 'driftless.js');
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [...nodeArgs, bin, 'serve', '--repo', repo, '--listen', '127.0.0.1:0', '--state-dir', join(work, `state-${n}`), '--interval', '1s', ...(statusPush && server ? [] : ['--no-status-push']), '--drift-interval', '0s', ...(server ? [] : ['--no-watch'])],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DRIFTLESS_LOG_LEVEL: 'info' }, cwd: work },
  );
  let log = '';
  // the git server answers in this process, so waiting below must never block the event loop
  child.stderr.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  child.stdout.resume();
  const deadline = Date.now() + 20 * 60_000;
  while (!log.includes('"msg":"run finished"')) {
    if (child.exitCode !== null) throw new Error(`daemon exited ${child.exitCode}: ${log.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`daemon did not finish its first run: ${log.slice(-1000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const firstRunMs = performance.now() - t0;
  const runMs = Number(/"msg":"run finished"/.test(log) ? (/"durationMs":(\d+)[^\n]*"msg":"run finished"/.exec(log)?.[1] ?? NaN) : NaN);
  const url = /"url":"(http:[^"]+)"/.exec(log)?.[1];
  const scraper = scrape && url ? setInterval(() => void fetch(`${url}/metrics`).then((r) => r.text()).catch(() => undefined), 1000) : undefined;
  await new Promise((r) => setTimeout(r, 5000)); // idle polls at 1 s, so steady-state RSS is included
  if (scraper) clearInterval(scraper);
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('close', r));
  return { n, firstRunMs, runMs, peakMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024 };
}

const work = mkdtempSync(join(tmpdir(), 'driftless-bench-scale-'));
const server = overGit ? await startGitServer() : undefined;
try {
  for (const n of sizes.length > 0 ? sizes : [500, 1000, 3000]) {
    const s = await measure(n, work, server);
    console.log(`N=${s.n}: first run incl. start ${(s.firstRunMs / 1000).toFixed(2)} s (run alone ${(s.runMs / 1000).toFixed(2)} s); peak ${s.peakMiB.toFixed(0)} MiB${scrape ? ' (scraped every 1 s)' : ''}, RSS after 5 s idle ${s.rssMiB.toFixed(0)} MiB (target <= 150 MiB: ${s.peakMiB <= 150 ? 'met' : 'MISSED'})`);
  }
} finally {
  await server?.dispose();
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
