/**
 * The short, CI-sized version of bench/reliability/crash-anywhere.ts: the real CLI applies a small repo (two sshd
 * hosts with init steps, an nginx unit on both in front of a static upstream) and is killed -9 at 5 seeded points
 * (on the k-th progress line, plus up to 300 ms), each point toggling the repo between two variants so there is
 * always work to interrupt. After each kill, ONE more apply must succeed and leave the plan a no-op, with one nginx
 * version dir per digest on each host, every version dir complete (`nginx -t` passes on it), `current` pointing
 * at one of them, and the journal readable. The sample repo takes ~15 s an apply here, too slow for 5 points in
 * CI; the full campaign runs it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli, waitFor } from '../harness/cli.js';
import { startTestHosts, type TestHosts } from '../harness/hosts.js';
import { LOOPBACK_HOSTS, writeOperatorSettings } from '../harness/secrets.js';
import { tempDir } from '../harness/tmp.js';

const SEED = 13;
const POINTS = 5;
const ROOT = '/etc/driftless/nginx/edge';
const EVENT = /^\[\d\d:\d\d:\d\d\] /gm;

let lab: TestHosts;
let repo: string;
let state: string;

/** mulberry32, as the campaign uses: the same points on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function writeRepo(variant: number): void {
  writeFileSync(
    join(repo, 'driftless.yaml'),
    'apiVersion: driftless.dev/v1\nconcurrency: 4\nretry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 1000 }\ndefaults:\n  Host:\n    privateKey: { secret: crash-key }\n',
  );
  const hosts = lab.hosts.map(
    (h, i) =>
      `apiVersion: driftless.dev/v1\nkind: Host\nmetadata: { name: h${i + 1}, labels: { role: edge } }\nspec:\n  address: 127.0.0.1\n  port: ${h.port}\n  init:\n` +
      `    - { name: one, run: "echo v${variant} >> /root/one; sleep 0.2" }\n    - { name: two, run: "echo v${variant} >> /root/two; sleep 0.2" }\n`,
  );
  writeFileSync(join(repo, 'hosts.yaml'), hosts.join('---\n'));
  writeFileSync(
    join(repo, 'nginx.yaml'),
    [
      'apiVersion: driftless.dev/v1\nkind: NginxGroup\nmetadata: { name: edge }\nspec: { description: crash test }\n',
      `apiVersion: driftless.dev/v1\nkind: NginxUpstream\nmetadata: { name: app }\nspec:\n  group: edge\n  servers: [{ address: "127.0.0.1:${8081 + (variant % 2)}" }]\n`,
      'apiVersion: driftless.dev/v1\nkind: NginxUnit\nmetadata: { name: edge }\nspec:\n  group: edge\n  hosts: { selector: { role: edge } }\n  upstreams: [app]\n  vars: { upstream: app, listen: 8088 }\n',
    ].join('---\n'),
  );
}

const cli = (...args: string[]) => runCli([...args, '--state-dir', state]);

async function assertWorld(point: string): Promise<void> {
  for (const h of lab.hosts) {
    const out = await h.exec(
      `echo "current=$(readlink ${ROOT}/current)"; for d in ${ROOT}/versions/*; do b=$(basename $d); case $b in *.tmp) continue;; esac; ` +
        'if nginx -t -c $d/nginx.conf >/dev/null 2>&1; then echo "ok=$b"; else echo "bad=$b"; fi; done',
    );
    const lines = out.stdout.trim().split('\n');
    const dirs = lines.filter((l) => /^(ok|bad)=/.test(l)).map((l) => l.slice(l.indexOf('=') + 1));
    expect(lines.filter((l) => l.startsWith('bad=')), `${point} ${h.name}: incomplete versions`).toEqual([]);
    const digests = dirs.map((d) => d.split('-')[0]);
    expect(new Set(digests).size, `${point} ${h.name}: one dir per digest: ${dirs.join(' ')}`).toBe(digests.length);
    const current = lines.find((l) => l.startsWith('current='))?.slice('current=versions/'.length) ?? '';
    expect(dirs, `${point} ${h.name}: current`).toContain(current);
  }
  expect(() => JSON.parse(readFileSync(join(state, 'journal.json'), 'utf8'))).not.toThrow();
  const status = await runCli(['status', '--json', '--state-dir', state]);
  expect(status.code, `${point}: status ${status.stderr}`).toBe(0);
}

beforeAll(async () => {
  lab = await startTestHosts(2, { name: 'crash' });
  repo = tempDir('crash-repo');
  state = tempDir('crash-state');
  writeOperatorSettings({ 'crash-key': { value: lab.privateKey, allow: LOOPBACK_HOSTS } }, { dir: state, name: 'config.yaml' });
  // A backend for each variant's upstream, so nginx answers either way.
  await Promise.all(lab.hosts.map((h) => h.exec('for p in 8081 8082; do mkdir -p /srv/$p && echo $p > /srv/$p/index.html && (cd /srv/$p && nohup python3 -m http.server $p >/dev/null 2>&1 &); done')));
});
afterAll(async () => {
  await lab?.teardown();
});

describe('kill -9 at seeded points of an apply', () => {
  it(`converges after at most one more apply at each of ${POINTS} points, nothing duplicated or half-written`, async () => {
    writeRepo(0);
    const first = await cli('apply', repo, '--yes');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const lines = (first.stdout.match(EVENT) ?? []).length;
    expect(lines).toBeGreaterThan(4);
    const rand = prng(SEED);
    let killed = 0;
    for (let n = 1; n <= POINTS; n++) {
      writeRepo(n);
      const k = 1 + Math.floor(rand() * lines);
      const delay = Math.floor(rand() * 300);
      const point = `point ${n} (seed ${SEED}: line ${k} +${delay} ms)`;
      const run = spawnCli(['apply', repo, '--yes', '--state-dir', state]);
      let exited = false;
      void run.done.then(() => (exited = true));
      await waitFor(`${point}: progress line ${k}`, () => exited || (run.output().match(EVENT) ?? []).length >= k, 60_000, 20);
      await new Promise((r) => setTimeout(r, delay)); // the kill point itself, not a synchronisation
      if (!exited) {
        run.child.kill('SIGKILL');
        killed++;
      }
      await run.done;
      const rerun = await cli('apply', repo, '--yes');
      expect(rerun.code, `${point}: re-run\n${rerun.stdout}${rerun.stderr}`).toBe(0);
      const plan = await cli('plan', repo);
      expect(plan.stdout, `${point}: plan after one re-run`).toContain('No changes.');
      await assertWorld(point);
      for (const h of lab.hosts) expect((await h.exec('tail -n1 /root/two')).stdout.trim(), `${point}: init of the last variant`).toBe(`v${n}`);
      expect((await lab.hosts[0]!.exec('curl -s -m 5 http://127.0.0.1:8088/')).stdout.trim(), point).toBe(String(8081 + (n % 2)));
    }
    expect(killed, 'most points kill a running apply').toBeGreaterThanOrEqual(3);
  }, 240_000);
});
