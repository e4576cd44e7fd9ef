/**
 * The daemon end to end, the way users drive it: `git push` (real git CLI) to a smart-HTTP server, a signed GitHub
 * webhook, changes applied on real sshd hosts, the status report committed to the status branch (read back with the
 * git CLI) and GET /status. The steps share one daemon and run in order, like a day in the life of a config repo.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/index.js';
import { startDaemon, type Daemon } from '../../src/reconcile/daemon.js';
import { createLogger } from '../../src/util/logger.js';
import { git } from '../harness/git-cli.js';
import { startGitServer, type GitServer } from '../harness/git-server.js';
import { startTestHosts, type TestHosts } from '../harness/hosts.js';
import { LOOPBACK_HOSTS, writeOperatorSettings } from '../harness/secrets.js';
import { tempDir } from '../harness/tmp.js';
import {
  createConfigRepo,
  getJson,
  hostYaml,
  readStatusBranch,
  sendGithubHook,
  settingsYaml,
  waitFor,
  type ConfigRepo,
  type StatusBody,
  type StepSpec,
} from './fixture.js';

const SECRET = `wh-${randomBytes(12).toString('hex')}`;
const KEY_SECRET = 'e2e-key';
const SECRET_ENV = `DL_E2E_WH_${randomBytes(4).toString('hex')}`;

let hosts: TestHosts;
let server: GitServer;
let repo: ConfigRepo;
let daemon: Daemon;
const steps1: StepSpec[] = [{ name: 'v1', run: 'echo v1 > /root/v1' }];
const steps2: StepSpec[] = [{ name: 'v1', run: 'echo v1 > /root/v1' }];

async function writeHosts(opts: { badPort?: boolean } = {}): Promise<void> {
  const web1 = hostYaml('web-1', hosts.hosts[0]!, KEY_SECRET, steps1);
  await repo.write('hosts/web-1.yaml', opts.badPort ? web1.replace(/port: \d+/, 'port: not-a-port') : web1);
  await repo.write('hosts/web-2.yaml', hostYaml('web-2', hosts.hosts[1]!, KEY_SECRET, steps2, { 'driftless.dev/drift': 'ignore' }));
}

const status = () => getJson<StatusBody>(`${daemon.url}/status`);
const onHost = async (i: number, cmd: string) => (await hosts.hosts[i]!.exec(cmd)).stdout.trim();
const runsTotal = () =>
  ['Succeeded', 'Failed', 'Stalled', 'Waiting', 'NoChanges'].reduce((n, o) => n + daemon.metrics.value('driftless_runs_total', { outcome: o }), 0);

async function waitInForce(commit: string): Promise<StatusBody> {
  return waitFor(`revision ${commit} in force`, async () => {
    const s = await status();
    return s.revision.inForce === commit && s.lastRun?.revision === commit && !s.running ? s : undefined;
  });
}

beforeAll(async () => {
  hosts = await startTestHosts(2, { name: 'daemon' });
  server = await startGitServer();
  repo = await createConfigRepo(server, 'config');
  process.env[SECRET_ENV] = SECRET;
  await repo.write('driftless.yaml', settingsYaml());
  await writeHosts();
  await repo.commitAndPush('v1: two hosts');
  const config = loadDaemonConfig({
    env: {},
    file: writeOperatorSettings({ [KEY_SECRET]: { value: hosts.privateKey, allow: LOOPBACK_HOSTS } }),
    flags: {
      repo: repo.url,
      branch: 'main',
      interval: '1h',
      driftInterval: '2s',
      listen: '127.0.0.1:0',
      stateDir: tempDir('daemon-state'),
      statusInterval: '1h',
      webhooks: { github: { secret: { env: SECRET_ENV } }, bodyLimit: 4096, burst: 1000, perSecond: 1000 },
    },
  });
  daemon = await startDaemon(config, { logger: createLogger({ level: 'warn' }) });
});

afterAll(async () => {
  await daemon?.stop();
  await server?.dispose();
  await hosts?.teardown();
});

describe('driftless serve', () => {
  it('applies the current revision at startup and becomes ready', async () => {
    const head = await git(repo.dir, 'rev-parse', 'HEAD');
    const s = await waitInForce(head);
    expect(s.lastRun?.outcome).toBe('Succeeded');
    expect(s.counts).toMatchObject({ resources: 2, ready: 2, stalled: 0 });
    expect((await fetch(`${daemon.url}/readyz`)).status).toBe(200);
    expect(await onHost(0, 'cat /root/v1')).toBe('v1');
    expect(await onHost(1, 'cat /root/v1')).toBe('v1');
  });

  it('git push + signed webhook: applied on the host, status committed to the status branch, GET /status shows it', async () => {
    steps1.push({ name: 'v2', run: 'echo v2 > /root/v2' });
    await writeHosts();
    const c2 = await repo.commitAndPush('v2: second step on web-1');
    const res = await sendGithubHook(daemon.url, SECRET);
    expect(res.status).toBe(202);
    const s = await waitInForce(c2);
    expect(s.lastRun).toMatchObject({ outcome: 'Succeeded', trigger: 'webhook:github' });
    expect(s.resources.find((r) => r.key === 'Host/web-1')).toMatchObject({ state: 'Ready', lastAppliedRevision: c2 });
    expect(await onHost(0, 'cat /root/v2')).toBe('v2');

    const branch = await waitFor('status commit for c2', async () => {
      const b = await readStatusBranch(repo.url);
      return (await b.read('README.md')).includes(c2.slice(0, 12)) ? b : undefined;
    });
    const readme = await branch.read('README.md');
    expect(readme).toContain('Last run: **Succeeded**');
    expect(readme).toMatch(/\| Host\/web-1 \| Ready \|/);
    expect(readme).not.toContain(hosts.privateKey.split('\n')[1]!);
    const doc = JSON.parse(await branch.read('resources/Host/web-1.json')) as { lastAppliedRevision: string; key: string };
    expect(doc).toMatchObject({ key: 'Host/web-1', lastAppliedRevision: c2 });
    expect((await branch.log())[0]).toContain('driftless <driftless@noreply.invalid> driftless status: Succeeded');
    // the daemon never writes to the watched branch, and its own status push does not start a run
    expect((await git(repo.dir, 'ls-remote', repo.url, 'refs/heads/main')).split('\t')[0]).toBe(c2);
    const runs = runsTotal();
    const ignored = await sendGithubHook(daemon.url, SECRET, { ref: 'refs/heads/driftless/status' });
    expect(ignored.status).toBe(200);
    expect(await ignored.json()).toEqual({ result: 'ignored_status_branch' });
    await daemon.loop.idle();
    expect(runsTotal()).toBe(runs);
  });

  it('forged, unsigned, oversized, wrong-branch and replayed webhooks trigger nothing; the daemon keeps serving', async () => {
    steps1.push({ name: 'v3', run: 'echo v3 > /root/v3' });
    await writeHosts();
    const before = await status();
    const c3 = await repo.commitAndPush('v3');
    const cycles = daemon.loop.stats.cycles;
    const forged = await sendGithubHook(daemon.url, 'not-the-secret');
    const unsigned = await sendGithubHook(daemon.url, SECRET, { signature: null });
    const tampered = await sendGithubHook(daemon.url, SECRET, {
      signature: `sha256=${'0'.repeat(64)}`,
    });
    const oversized = await sendGithubHook(daemon.url, SECRET, { body: JSON.stringify({ ref: 'refs/heads/main', pad: 'x'.repeat(8192) }) });
    const wrongBranch = await sendGithubHook(daemon.url, SECRET, { ref: 'refs/heads/feature' });
    const notPush = await sendGithubHook(daemon.url, SECRET, { event: 'issues' });
    expect([forged.status, unsigned.status, tampered.status, oversized.status, wrongBranch.status, notPush.status]).toEqual([401, 401, 401, 413, 200, 200]);
    expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);
    expect(daemon.loop.stats.cycles).toBe(cycles);
    expect((await status()).revision.inForce).toBe(before.revision.inForce);
    expect(await onHost(0, 'test -e /root/v3 && echo yes || echo no')).toBe('no');

    const delivery = 'delivery-replay-1';
    expect((await sendGithubHook(daemon.url, SECRET, { delivery })).status).toBe(202);
    await waitInForce(c3);
    expect(await onHost(0, 'cat /root/v3')).toBe('v3');

    steps1.push({ name: 'v4', run: 'echo v4 > /root/v4' });
    await writeHosts();
    const c4 = await repo.commitAndPush('v4');
    const cyclesBeforeReplay = daemon.loop.stats.cycles;
    const replay = await sendGithubHook(daemon.url, SECRET, { delivery });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ result: 'replayed' });
    expect(daemon.loop.stats.cycles).toBe(cyclesBeforeReplay);
    expect((await status()).revision.inForce).toBe(c3);
    expect(daemon.metrics.value('driftless_webhook_requests_total', { source: 'github', result: 'unauthorized' })).toBeGreaterThanOrEqual(3);
    expect(daemon.metrics.value('driftless_webhook_requests_total', { source: 'github', result: 'too_large' })).toBe(1);

    expect((await sendGithubHook(daemon.url, SECRET)).status).toBe(202);
    await waitInForce(c4);
  });

  it('a schema error is not applied, status shows file:line, the previous revision stays in force; the fix applies', async () => {
    const good = (await status()).revision.inForce!;
    steps2.push({ name: 'v5', run: 'echo v5 > /root/v5' });
    await writeHosts({ badPort: true });
    const portLine = hostYaml('web-1', hosts.hosts[0]!, KEY_SECRET, steps1).split('\n').findIndex((l) => l.includes('port:')) + 1;
    const bad = await repo.commitAndPush('broken port');
    expect((await sendGithubHook(daemon.url, SECRET)).status).toBe(202);
    const s = await waitFor('stalled run for the broken commit', async () => {
      const st = await status();
      return st.lastRun?.revision === bad && st.lastRun.outcome === 'Stalled' ? st : undefined;
    });
    expect(s.revision.inForce).toBe(good);
    expect(s.lastRun?.problems?.some((p) => p.startsWith(`hosts/web-1.yaml:${portLine}:`))).toBe(true);
    expect(await onHost(1, 'test -e /root/v5 && echo yes || echo no')).toBe('no');
    const branch = await waitFor('status report of the broken commit', async () => {
      const b = await readStatusBranch(repo.url);
      return (await b.read('README.md')).includes(`hosts/web-1.yaml:${portLine}:`) ? b : undefined;
    });
    expect(await branch.read('README.md')).toContain('## Problems (nothing was applied)');

    await writeHosts();
    const fix = await repo.commitAndPush('fix port');
    expect((await sendGithubHook(daemon.url, SECRET)).status).toBe(202);
    const fixed = await waitInForce(fix);
    expect(fixed.lastRun?.outcome).toBe('Succeeded');
    expect(await onHost(1, 'cat /root/v5')).toBe('v5');
  });

  it('with the git server down nothing is applied or pruned and status says why; it recovers when the server is back', async () => {
    const before = await status();
    const runs = runsTotal();
    const inventory = Object.keys(daemon.runtime.journal.read().inventory).sort();
    await server.stop();
    try {
      expect((await sendGithubHook(daemon.url, SECRET)).status).toBe(202);
      const down = await waitFor('source reported unavailable', async () => {
        const st = await status();
        return st.source.ok === false ? st : undefined;
      });
      expect(down.source.message).toMatch(/source unavailable/);
      expect(down.revision.inForce).toBe(before.revision.inForce);
      expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);
      await daemon.loop.idle();
      expect(runsTotal()).toBe(runs);
      expect(Object.keys(daemon.runtime.journal.read().inventory).sort()).toEqual(inventory);
      const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
      expect(metrics).toContain('driftless_source_up 0');
      expect(metrics).toMatch(/driftless_git_requests_total\{result="error",type="ls-remote"\} [1-9]/);
    } finally {
      await server.restart();
    }
    steps1.push({ name: 'v7', run: 'echo v7 > /root/v7' });
    await writeHosts();
    const c7 = await repo.commitAndPush('after the outage');
    expect((await sendGithubHook(daemon.url, SECRET)).status).toBe(202);
    const s = await waitInForce(c7);
    expect(s.source.ok).toBe(true);
    expect(await onHost(0, 'cat /root/v7')).toBe('v7');
  });

  it('re-observation corrects drift (a run with trigger drift) except on a resource annotated driftless.dev/drift: ignore', async () => {
    await onHost(0, 'rm -rf /var/lib/driftless/init /root/v1');
    await onHost(1, 'rm -rf /var/lib/driftless/init /root/v1');
    await waitFor('drift corrected on web-1', async () => {
      await sendGithubHook(daemon.url, SECRET);
      await daemon.loop.idle();
      return (await onHost(0, 'test -e /root/v1 && echo yes || echo no')) === 'yes';
    });
    const s = await status();
    expect(s.lastRun?.trigger).toBe('drift');
    expect(await onHost(1, 'test -e /root/v1 && echo yes || echo no')).toBe('no');
    const run = await getJson<{ results: { key: string; status: string }[] }>(`${daemon.url}/runs/${s.lastRun!.id}`);
    expect(run.results.find((r) => r.key === 'Host/web-1')?.status).toBe('succeeded');
    expect(run.results.find((r) => r.key === 'Host/web-2')).toBeUndefined();
    expect(s.resources.find((r) => r.key === 'Host/web-2')?.state).toBe('Ready');
  });

  it('a burst of 100 signed webhooks in a second costs one or two runs', async () => {
    steps1.push({ name: 'v8', run: 'echo v8 > /root/v8' });
    await writeHosts();
    const c8 = await repo.commitAndPush('v8');
    const runs = runsTotal();
    const answers = await Promise.all(Array.from({ length: 100 }, () => sendGithubHook(daemon.url, SECRET)));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    await waitInForce(c8);
    await daemon.loop.idle();
    const delta = runsTotal() - runs;
    expect(delta).toBeGreaterThanOrEqual(1);
    expect(delta).toBeLessThanOrEqual(2);
    expect(daemon.loop.stats.coalesced).toBeGreaterThan(0);
    const runsJson = await getJson<{ runs: { revision: string }[] }>(`${daemon.url}/runs`);
    expect(runsJson.runs.filter((r) => r.revision === c8).length).toBeLessThanOrEqual(2);
  });
});
