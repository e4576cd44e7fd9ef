/**
 * Webhook latency of the daemon on real hosts: (1) webhook received -> run started, (2) `git push` -> change applied
 * on N lab hosts (default 10). Each iteration edits an init step on every host, pushes with the git CLI, sends a
 * signed GitHub webhook and waits until the revision is in force; the files are then checked on every host.
 * Usage: npx tsx bench/webhook-latency.ts [iterations] [hosts]     (not a test: numbers vary by machine)
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDaemonConfig } from '../src/config/index.js';
import { ensureDockerEngine } from '../src/lab/engine.js';
import { startDaemon } from '../src/reconcile/daemon.js';
import { createLogger } from '../src/util/logger.js';
import { createConfigRepo, getJson, hostYaml, sendGithubHook, settingsYaml, type StatusBody } from '../test/e2e/fixture.js';
import { commitAll, push } from '../test/harness/git-cli.js';
import { startGitServer } from '../test/harness/git-server.js';
import { startTestHosts } from '../test/harness/hosts.js';
import { tempDir } from '../test/harness/tmp.js';
import { LOOPBACK_HOSTS, writeOperatorSettings } from '../test/harness/secrets.js';

const ITERATIONS = Number(process.argv[2] ?? 20);
const HOSTS = Number(process.argv[3] ?? 10);

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
  const logFile = join(tempDir('bench-wh-log'), 'daemon.log');
  let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined;
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
    const config = loadDaemonConfig({
      env: {},
      file: writeOperatorSettings({ 'bench-key': { value: hosts.privateKey, allow: LOOPBACK_HOSTS } }),
      flags: { repo: repo.url, interval: '1h', driftInterval: '0s', listen: '127.0.0.1:0', stateDir: tempDir('bench-wh-state'), webhooks: { github: { secret: { env: 'DL_BENCH_WH' } } } },
    });
    daemon = await startDaemon(config, { logger: createLogger({ level: 'debug', destination: logFile }) });
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
      const started = readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"msg":"run started"') && l.includes(commit))
        .map((l) => (JSON.parse(l) as { time: number }).time)[0];
      if (started === undefined) throw new Error('no run started line');
      toStart.push(started - tHook);
      pushToApplied.push(tDone - tPush);
      webhookToApplied.push(tDone - tHook);
      for (const h of hosts.hosts) {
        const out = (await h.exec('cat /root/bench')).stdout.trim();
        if (out !== String(i)) throw new Error(`host ${h.name} has ${out}, expected ${i}`);
      }
    }
    const line = (name: string, xs: number[]) => console.log(`${name.padEnd(40)} p50 ${pct(xs, 50)} ms   p99 ${pct(xs, 99)} ms   (n=${xs.length})`);
    console.log(`webhook latency, ${HOSTS} hosts, ${ITERATIONS} iterations (p99 of ${ITERATIONS} samples is the max)`);
    line('webhook received -> run started', toStart);
    line('webhook sent -> applied on all hosts', webhookToApplied);
    line('git push -> applied on all hosts', pushToApplied);
    console.log(`daemon process RSS ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB (bench and daemon share the process)`);
  } finally {
    await daemon?.stop();
    await server.dispose();
    await hosts.teardown();
  }
}

await main();
