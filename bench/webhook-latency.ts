/**
 * Webhook latency of the daemon on real hosts: (1) webhook received -> run started, (2) `git push` -> change applied
 * on N lab hosts (default 10). The daemon is a real `driftless serve` process (bin/driftless.js, as deployed), not
 * code in the bench's process: the bench only pushes, signs webhooks and reads /status and the daemon's log. Each
 * iteration edits an init step on every host, pushes with the git CLI, sends a signed GitHub webhook and waits
 * until the revision is in force; the files are then checked on every host.
 * Usage: npx tsx bench/webhook-latency.ts [iterations] [hosts] [--quick]     (not a test: numbers vary by machine)
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ensureDockerEngine } from '../src/lab/engine.js';
import { createConfigRepo, getJson, hostYaml, sendGithubHook, settingsYaml, type StatusBody } from '../test/e2e/fixture.js';
import { commitAll, push } from '../test/harness/git-cli.js';
import { startGitServer } from '../test/harness/git-server.js';
import { startTestHosts } from '../test/harness/hosts.js';
import { tempDir } from '../test/harness/tmp.js';
import { LOOPBACK_HOSTS, writeOperatorSettings } from '../test/harness/secrets.js';
import { benchStart } from './lib/record.js';

const rec = benchStart('webhook-latency');
const positional = process.argv.slice(2).filter((a) => /^\d+$/.test(a));
const ITERATIONS = Number(positional[0] ?? (rec.quick ? 2 : 20));
const HOSTS = Number(positional[1] ?? (rec.quick ? 2 : 10));
const BIN = join(import.meta.dirname, '..', 'bin', 'driftless.js');

/** A `driftless serve` child: its URL (from its log) and the time of each `run started` line, by revision. */
interface Serve {
  child: ChildProcess;
  url: string;
  started: Map<string, number>;
  stop(): Promise<void>;
}

async function startServe(args: string[], env: NodeJS.ProcessEnv): Promise<Serve> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, DRIFTLESS_LOG_LEVEL: 'debug' } });
  const started = new Map<string, number>();
  let url: string | undefined;
  let tail = '';
  let partial = '';
  const onData = (d: Buffer) => {
    partial += d.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      tail = (tail + line + '\n').slice(-4000);
      if (!line.startsWith('{')) continue;
      const rec = JSON.parse(line) as { msg?: string; time?: number; url?: string; revision?: string; commit?: string };
      url ??= rec.url;
      if (rec.msg === 'run started' && rec.time) for (const m of line.match(/[0-9a-f]{40}/g) ?? []) if (!started.has(m)) started.set(m, rec.time);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const deadline = Date.now() + 60_000;
  while (!url) {
    if (child.exitCode !== null) throw new Error(`driftless serve exited ${child.exitCode}: ${tail}`);
    if (Date.now() > deadline) throw new Error(`driftless serve printed no URL: ${tail}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    child,
    url,
    started,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
    },
  };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

async function main(): Promise<void> {
  const engine = await ensureDockerEngine();
  process.env.DOCKER_HOST = engine.dockerHost;
  const hosts = await startTestHosts(HOSTS, { name: 'bench-wh' });
  const server = await startGitServer();
  const secret = randomBytes(16).toString('hex');
  process.env.DL_BENCH_WH = secret;
  let daemon: Serve | undefined;
  try {
    const repo = await createConfigRepo(server, 'bench');
    const writeAll = async (i: number) => {
      for (const [n, h] of hosts.hosts.entries()) {
        await repo.write(`hosts/h-${n}.yaml`, hostYaml(`h-${n}`, h, 'bench-key', [{ name: 'bench', run: `echo ${i} > /root/bench` }]));
      }
    };
    await repo.write('driftless.yaml', settingsYaml().replace('concurrency: 4', `concurrency: ${Math.max(4, HOSTS)}`));
    await writeAll(0);
    const first = await repo.commitAndPush('iteration 0');
    const config = writeOperatorSettings({ 'bench-key': { value: hosts.privateKey, allow: LOOPBACK_HOSTS } });
    daemon = await startServe(
      ['--repo', repo.url, '--config', config, '--listen', '127.0.0.1:0', '--state-dir', tempDir('bench-wh-state'), '--interval', '1h', '--drift-interval', '0s', '--webhook-secret-env', 'DL_BENCH_WH'],
      { DL_BENCH_WH: secret },
    );
    const d = daemon;
    const waitInForce = async (commit: string) => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const s = await getJson<StatusBody>(`${d.url}/status`);
        if (s.revision.inForce === commit && !s.running) return s;
        if (Date.now() > deadline) throw new Error(`revision ${commit} not in force: ${JSON.stringify(s.lastRun)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await waitInForce(first);
    const toStart: number[] = [];
    const pushToApplied: number[] = [];
    const webhookToApplied: number[] = [];
    for (let i = 1; i <= ITERATIONS; i++) {
      await writeAll(i);
      const commit = await commitAll(repo.dir, `iteration ${i}`);
      const tPush = Date.now();
      await push(repo.dir, repo.url, 'main');
      const tHook = Date.now();
      const res = await sendGithubHook(d.url, secret);
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
      const s = await waitInForce(commit);
      const tDone = Date.now();
      if (s.lastRun?.outcome !== 'Succeeded') throw new Error(`run for ${commit} ended ${s.lastRun?.outcome}`);
      const started = d.started.get(commit);
      if (started === undefined) throw new Error(`no run started line for ${commit}`);
      toStart.push(started - tHook);
      pushToApplied.push(tDone - tPush);
      webhookToApplied.push(tDone - tHook);
      for (const h of hosts.hosts) {
        const out = (await h.exec('cat /root/bench')).stdout.trim();
        if (out !== String(i)) throw new Error(`host ${h.name} has ${out}, expected ${i}`);
      }
    }
    const status = await readRss(d.child.pid);
    const line = (name: string, xs: number[]) => `${name}: p50 ${pct(xs, 50)} ms, p99 ${pct(xs, 99)} ms`;
    rec.finish({
      compares: `a real \`driftless serve\`: signed webhook -> run started, and \`git push\` -> init step applied on ${HOSTS} lab hosts`,
      figures: [
        `${line('webhook received -> run started', toStart)}; ${line('webhook sent -> applied on all hosts', webhookToApplied)}; ${line('git push -> applied on all hosts', pushToApplied)} (${ITERATIONS} pushes: p99 is the max)`,
        `daemon RSS ${status}`,
      ],
      target: 'none set (latency figures)',
    });
  } finally {
    await daemon?.stop();
    await server.dispose();
    await hosts.teardown();
  }
}

/** The daemon's resident and peak memory, from /proc. */
async function readRss(pid: number | undefined): Promise<string> {
  const { readFileSync } = await import('node:fs');
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mib = (k: string) => (Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? 0) / 1024).toFixed(0);
  return `${mib('VmRSS')} MiB (peak ${mib('VmHWM')} MiB)`;
}

await main();
