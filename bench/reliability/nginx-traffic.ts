/**
 * nginx under traffic: a real `driftless serve` follows a branch on the harness's Git smart-HTTP server and keeps an
 * nginx unit on two sshd test hosts; a request loop runs on each host against its nginx (curl, one request after
 * another) while commits land: a good change, a config that fails `nginx -t` (unknown directive), a config that
 * passes `nginx -t` but cannot be loaded (listen on sshd's port 22: bind fails at reload), and a good change again.
 * Figures: requests and failed requests (anything but 200), switches to each bad config (from the hosts' own
 * `history.log`, must be 0), the version serving after each bad commit (must be the good one before it), and
 * how long each good commit took to serve.
 * Usage: npx tsx bench/reliability/nginx-traffic.ts [--settle-s 8] [--keep]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDockerEngine } from '../../src/lab/engine.js';
import { startGitServer } from '../../test/harness/git-server.js';
import { startTestHosts } from '../../test/harness/hosts.js';
import { LOOPBACK_HOSTS, writeOperatorSettings } from '../../test/harness/secrets.js';
import { parseArgs, printTable } from './lib/cli.js';
import { configRepo, startDaemon } from './lib/daemon.js';

const args = parseArgs(process.argv.slice(2), { points: 1 });
const settleMs = Number(args.extra.get('settle-s') ?? 8) * 1000;
const ROOT = '/etc/driftless/nginx/edge';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function files(hostPorts: number[], vhost: string): Record<string, string> {
  const hosts = hostPorts.map(
    (p, i) => `apiVersion: driftless.dev/v1\nkind: Host\nmetadata: { name: h${i + 1}, labels: { role: nginx } }\nspec:\n  address: 127.0.0.1\n  port: ${p}\n`,
  );
  return {
    'driftless.yaml': 'apiVersion: driftless.dev/v1\ndefaults:\n  Host:\n    privateKey: { secret: ngx-key }\n',
    'hosts.yaml': hosts.join('---\n'),
    'nginx.yaml': [
      'apiVersion: driftless.dev/v1\nkind: NginxGroup\nmetadata: { name: edge }\nspec: { description: traffic }\n',
      'apiVersion: driftless.dev/v1\nkind: NginxUpstream\nmetadata: { name: app }\nspec:\n  group: edge\n  servers: [{ address: "127.0.0.1:8081" }]\n',
      'apiVersion: driftless.dev/v1\nkind: NginxConfig\nmetadata: { name: main }\nspec:\n  file: nginx.conf\n  template: nginx/nginx.conf.njk\n  vars: { workerConnections: 1024 }\n',
      `apiVersion: driftless.dev/v1\nkind: NginxConfig\nmetadata: { name: vhost }\nspec:\n  file: conf.d/app.conf\n  content: |\n${vhost.replace(/^/gm, '    ')}\n`,
      'apiVersion: driftless.dev/v1\nkind: NginxUnit\nmetadata: { name: edge }\nspec:\n  group: edge\n  hosts: { selector: { role: nginx } }\n  upstreams: [app]\n  configs: [main, vhost]\n  vars: { upstream: app }\n',
    ].join('---\n'),
  };
}

const vhost = (extra: string, listen = 8088) =>
  `server {\n    listen ${listen} default_server;\n    location / {\n        proxy_pass http://{{ vars.upstream }};\n${extra}    }\n}`;

async function main(): Promise<void> {
  process.env.DOCKER_HOST ??= (await ensureDockerEngine()).dockerHost;
  const work = mkdtempSync(join(tmpdir(), 'driftless-nginx-traffic-'));
  const lab = await startTestHosts(2, { name: 'ngxtraffic' });
  const server = await startGitServer();
  try {
    await Promise.all(lab.hosts.map((h) => h.exec('mkdir -p /srv/app && echo ok > /srv/app/index.html && (cd /srv/app && nohup python3 -m http.server 8081 >/dev/null 2>&1 &)')));
    const bare = await server.createBareRepo('config.git');
    const repo = configRepo(join(work, 'clone'), bare);
    const ports = lab.hosts.map((h) => h.port);
    let head = repo.commit(files(ports, vhost('        add_header X-Version v1;\n')), 'v1');
    const state = join(work, 'state');
    writeOperatorSettings({ 'ngx-key': { value: lab.privateKey, allow: LOOPBACK_HOSTS } }, { dir: state, name: 'config.yaml' });
    const daemon = await startDaemon(['--repo', `${server.url('config.git')}#main`, '--interval', '500ms', '--drift-interval', '0s', '--no-status-push', '--state-dir', state], {
      port: 20_000 + Math.floor(Math.random() * 20_000),
    });
    const status = () => daemon.get<{ revision: { inForce?: string } }>('/status');
    const waitInForce = async (commit: string) => {
      const t = Date.now();
      while ((await status()).revision.inForce !== commit) {
        if (Date.now() - t > 120_000) throw new Error(`commit ${commit} not applied:\n${daemon.output().slice(-3000)}`);
        await sleep(100);
      }
      return Date.now() - t;
    };
    await waitInForce(head);
    // The request loop on each host: one curl after another until /root/stop exists; status codes to /root/codes.
    await Promise.all(
      lab.hosts.map((h) =>
        h.exec(`rm -f /root/stop /root/codes; nohup bash -c 'while [ ! -f /root/stop ]; do s=$EPOCHREALTIME; c=$(curl -s -o /dev/null -m 5 -w "%{http_code}" http://127.0.0.1:8088/); echo "$c $s" >> /root/codes; done' >/dev/null 2>&1 &`),
      ),
    );
    const current = async () => Promise.all(lab.hosts.map(async (h) => (await h.exec(`readlink ${ROOT}/current`)).stdout.trim()));
    const switches = async () => Promise.all(lab.hosts.map(async (h) => (await h.exec(`cat ${ROOT}/history.log 2>/dev/null | wc -l`)).stdout.trim()));
    const rows: string[][] = [];
    const pushedAt: Array<[string, number]> = [];
    const step = async (name: string, content: string, good: boolean) => {
      const before = await current();
      const switchesBefore = await switches();
      head = repo.commit(files(ports, content), name);
      pushedAt.push([name, Date.now()]);
      if (good) {
        const ms = await waitInForce(head);
        rows.push([name, 'applied', `${(ms / 1000).toFixed(1)} s`, '-', (await current()).join(' ')]);
      } else {
        // Until the run for the bad commit has ended (a reload that fails waits for nginx's bind retries, then
        // restores), then a while longer so retries, if any, have their go while the traffic runs.
        const t = Date.now();
        const ended = async () => {
          const s = await daemon.get<{ running: boolean; lastRun?: { revision: string } }>('/status');
          return !s.running && s.lastRun?.revision === head;
        };
        while (!(await ended()) && Date.now() - t < 180_000) await sleep(100);
        await sleep(settleMs);
        const after = await current();
        const newSwitches = (await switches()).map((n, i) => Number(n) - Number(switchesBefore[i])).reduce((a, b) => a + b, 0);
        rows.push([name, after.join(' ') === before.join(' ') ? 'refused, still serving the previous version' : 'SWITCHED', '-', String(newSwitches), after.join(' ')]);
      }
    };
    await sleep(2000);
    await step('good: header v2', vhost('        add_header X-Version v2;\n'), true);
    await step('bad: unknown directive (nginx -t fails)', vhost('        proxy_bogus on;\n'), false);
    await step('bad: listen on port 22 (passes nginx -t, bind fails at reload)', vhost('        add_header X-Version v3;\n', 22), false);
    await step('good: header v4', vhost('        add_header X-Version v4;\n'), true);
    await sleep(2000);
    await Promise.all(lab.hosts.map((h) => h.exec('touch /root/stop')));
    await sleep(1000);
    const lines = (await Promise.all(lab.hosts.map(async (h) => (await h.exec('cat /root/codes')).stdout.trim().split('\n')))).flat();
    const codes = lines.map((l) => l.split(' ')[0]!);
    const failed = codes.filter((c) => c !== '200');
    // When each failed request started, against when each commit was pushed: which step a failure belongs to.
    for (const l of lines.filter((x) => !x.startsWith('200 '))) {
      const at = Number(l.split(' ')[1]) * 1000;
      const during = [...pushedAt].reverse().find(([, t]) => t <= at)?.[0] ?? 'before the first commit';
      console.log(`failed request ${l.split(' ')[0]} at ${new Date(at).toISOString()} (after commit "${during}")`);
    }
    await daemon.stop();
    if (args.extra.has('verbose')) {
      for (const l of daemon.output().split('\n').filter((x) => x.includes('NginxUnit') || x.includes('nginx unit'))) console.log(l.slice(0, 600));
      for (const h of lab.hosts) console.log(h.name, (await h.exec(`cat ${ROOT}/history.log; tail -n 20 ${ROOT}/logs/error.log`)).stdout);
    }
    console.log(`\nfigures (${new Date().toISOString().slice(0, 10)}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
    printTable([['commit', 'outcome', 'serving in', 'switches to it', 'current on h1 h2'], ...rows]);
    console.log(`requests: ${codes.length}, failed: ${failed.length}${failed.length ? ` (${[...new Set(failed)].join(', ')})` : ''}`);
    process.exitCode = failed.length === 0 && rows.every((r) => r[1] !== 'SWITCHED' && r[3] !== undefined && (r[3] === '-' || r[3] === '0')) ? 0 : 1;
  } finally {
    await server.dispose();
    await lab.teardown();
    if (!args.keep) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
