/**
 * Plan previews end to end, per forge: the daemon follows a config repo on the harness's Git smart-HTTP server and
 * applies it to a real sshd host; a pull request is a commit pushed (real git CLI) to the ref the forge keeps for
 * it (`refs/pull/N/head`, GitLab `refs/merge-requests/N/head`) and a delivery signed as that forge signs it. The
 * preview is checked where it is published: GET /previews/N, `previews/N.md` on the status branch (read back with the
 * git CLI, next to the report's README.md), and the forge emulator's statuses and single comment. Nothing is
 * applied: the step the pull request adds leaves no marker on the host and the revision in force stays main's. A
 * broken push is a failing status with file:line; the newest push wins; a secret value the daemon knows never
 * appears in a preview; closing removes the file; and `driftless plan --ref` prints exactly the preview's plan.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/index.js';
import { COMMENT_MARKER } from '../../src/preview/forge/types.js';
import { planTextOf } from '../../src/preview/markdown.js';
import type { PreviewRecord } from '../../src/preview/model.js';
import { startDaemon, type Daemon } from '../../src/reconcile/daemon.js';
import { createLogger } from '../../src/util/logger.js';
import { runCli } from '../harness/cli.js';
import { startForgeEmulator, type ForgeEmulator } from '../harness/forge-emulator.js';
import { commitAll, git, push } from '../harness/git-cli.js';
import { startGitServer, type GitServer } from '../harness/git-server.js';
import { startTestHosts, type TestHosts } from '../harness/hosts.js';
import { LOOPBACK_HOSTS, writeOperatorSettings } from '../harness/secrets.js';
import { tempDir } from '../harness/tmp.js';
import { createConfigRepo, getJson, hostYaml, readStatusBranch, settingsYaml, waitFor, type ConfigRepo, type StatusBody, type StepSpec } from '../e2e/fixture.js';
import { CLOSE_ACTION, headRef, OPEN_ACTION, sendPrHook, SYNC_ACTION, type Forge } from './pr-payloads.js';

const SECRET = `wh-${randomBytes(12).toString('hex')}`;
const SECRET_ENV = `DL_PREVIEW_WH_${randomBytes(4).toString('hex')}`;
const TOKEN = `forge-${randomBytes(16).toString('hex')}`;
const KEY = 'preview-key';
const PR = 7;

let hosts: TestHosts;
let server: GitServer;

beforeAll(async () => {
  process.env[SECRET_ENV] = SECRET;
  [hosts, server] = await Promise.all([startTestHosts(1, { name: 'preview' }), startGitServer()]);
});
afterAll(async () => {
  await server?.dispose();
  await hosts?.teardown();
});

const onHost = async (cmd: string) => (await hosts.hosts[0]!.exec(cmd)).stdout.trim();

interface Setup {
  forge: Forge;
  repo: ConfigRepo;
  main: string;
  emulator: ForgeEmulator;
  daemon: Daemon;
  stateDir: string;
  settings: string;
}

async function setUp(forge: Forge): Promise<Setup> {
  const repo = await createConfigRepo(server, `config-${forge}`);
  await repo.write('driftless.yaml', settingsYaml());
  await repo.write('hosts/web-1.yaml', hostYaml('web-1', hosts.hosts[0]!, KEY, [{ name: 'v1', run: 'echo v1 > /root/v1' }]));
  const main = await repo.commitAndPush('main: one host');
  const repository = forge === 'gitlab' ? 'team/infra/config' : 'team/config';
  const emulator = await startForgeEmulator(forge, { token: TOKEN, repository });
  const settings = writeOperatorSettings({
    [KEY]: { value: hosts.privateKey, allow: LOOPBACK_HOSTS },
    'forge-token': { value: TOKEN, allow: { urls: [emulator.api] } },
  });
  const stateDir = tempDir(`preview-${forge}`);
  const config = loadDaemonConfig({
    env: {},
    file: settings,
    flags: {
      repo: repo.url,
      branch: 'main',
      interval: '1h',
      driftInterval: '1h',
      listen: '127.0.0.1:0',
      stateDir,
      statusInterval: '1h',
      webhooks: { [forge]: { secret: { env: SECRET_ENV } }, burst: 1000, perSecond: 1000 },
      previews: { publicUrl: 'http://127.0.0.1:8080', forge: { type: forge, api: emulator.api, repository, token: { secret: 'forge-token' } } },
    },
  });
  const daemon = await startDaemon(config, { logger: createLogger({ level: 'warn' }) });
  await waitFor('main applied', async () => {
    const s = await getJson<StatusBody>(`${daemon.url}/status`);
    return s.revision.inForce === main && !s.running;
  });
  await daemon.loop.idle();
  return { forge, repo, main, emulator, daemon, stateDir, settings };
}

/** Commits `steps` for web-1 (or raw YAML) on top of main and pushes it to the pull request's ref; returns the commit. */
async function pushPr(s: Setup, change: { steps?: StepSpec[]; yaml?: string; files?: Record<string, string>; ref?: string }): Promise<string> {
  await git(s.repo.dir, 'checkout', '--quiet', '--detach', s.main);
  for (const [path, content] of Object.entries(change.files ?? {})) await s.repo.write(path, content);
  const yaml = change.yaml ?? hostYaml('web-1', hosts.hosts[0]!, KEY, [{ name: 'v1', run: 'echo v1 > /root/v1' }, ...(change.steps ?? [])]);
  await s.repo.write('hosts/web-1.yaml', yaml);
  const commit = await commitAll(s.repo.dir, 'pull request change');
  await git(s.repo.dir, 'push', '--quiet', '--force', s.repo.url, `HEAD:${change.ref ?? headRef(s.forge, PR)}`);
  await git(s.repo.dir, 'checkout', '--quiet', 'main');
  return commit;
}

async function preview(s: Setup, sha: string, action: string): Promise<PreviewRecord> {
  const res = await sendPrHook(s.daemon.url, s.forge, SECRET, { number: PR, sha, action, repository: s.forge === 'gitlab' ? 'team/infra/config' : 'team/config' });
  expect(res.status).toBe(202);
  await s.daemon.previews!.service.idle();
  return getJson<PreviewRecord>(`${s.daemon.url}/previews/${PR}`);
}

async function statusFile(s: Setup, path: string): Promise<string | undefined> {
  const branch = await readStatusBranch(s.repo.url);
  return branch.read(path).catch(() => undefined);
}

const FAILED: Record<Forge, string> = { github: 'failure', gitlab: 'failed', gitea: 'failure' };

describe.each(['github', 'gitlab', 'gitea'] as const)('plan previews from %s', (forge) => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUp(forge);
  });
  afterAll(async () => {
    await s?.daemon.stop();
    await s?.emulator.close();
  });

  it('a pull request is planned against the observed state and published everywhere; nothing is applied', async () => {
    const cycles = s.daemon.loop.stats.cycles;
    const runs = (await getJson<{ runs: unknown[] }>(`${s.daemon.url}/runs`)).runs.length;
    // an init step on the existing host, and a new Host (the same sshd, another name: observed there, so an update)
    // whose step would leave a marker
    const created = hostYaml('web-9', hosts.hosts[0]!, KEY, [{ name: 'new', run: `echo new > /root/created-${forge}` }]);
    const sha = await pushPr(s, { steps: [{ name: 'pr', run: `echo pr > /root/pr-${forge}` }], files: { 'hosts/web-9.yaml': created } });
    const p = await preview(s, sha, OPEN_ACTION[forge]);
    expect(p).toMatchObject({ number: PR, state: 'success', commit: sha, fetchRef: headRef(forge, PR), published: { forge: 'ok' } });
    expect(p.lines[0]).toBe(`driftless plan at revision ${sha}`);
    expect(p.lines.join('\n')).toMatch(/~ Host\/web-1 {2}update/);
    expect(p.lines.join('\n')).toMatch(/~ Host\/web-9 {2}update[^\n]*\n {6}~ spec\.init\[new\]: "\(not run\)" -> "run/);
    // the forge: pending, then the verdict on the planned commit; one comment holding the plan text
    expect(s.emulator.statuses(sha).map((x) => x.state)).toEqual(['pending', 'success']);
    expect(s.emulator.statuses(sha)[1]).toMatchObject({ context: 'driftless/preview', targetUrl: `http://127.0.0.1:8080/previews/${PR}` });
    const comments = s.emulator.comments(PR);
    expect(comments).toHaveLength(1);
    expect(planTextOf(comments[0]!.body)).toBe(p.lines.join('\n'));
    // the status branch: the preview's own file beside the report's
    const md = await waitFor('previews file', () => statusFile(s, `previews/${PR}.md`));
    expect(planTextOf(md)).toBe(p.lines.join('\n'));
    expect(await waitFor('report README', () => statusFile(s, 'README.md'))).toContain('# driftless status');

    // nothing applied, nothing recorded, no reconcile started
    expect(await onHost(`ls /root/pr-${forge} /root/created-${forge} 2>/dev/null | wc -l`)).toBe('0');
    const status = await getJson<StatusBody>(`${s.daemon.url}/status`);
    expect(status.revision.inForce).toBe(s.main);
    expect(status.lastRun?.revision).toBe(s.main);
    expect((await getJson<{ runs: unknown[] }>(`${s.daemon.url}/runs`)).runs.length).toBe(runs);
    expect(s.daemon.loop.stats.cycles).toBe(cycles);
    expect((await getJson<{ previews: PreviewRecord[] }>(`${s.daemon.url}/previews`)).previews.map((x) => x.number)).toEqual([PR]);
    expect(s.daemon.metrics.value('driftless_previews_total', { forge, state: 'success' })).toBe(1);
  });

  if (forge === 'github') {
    it('a later status report (main moved, applied) keeps the preview file', async () => {
      await s.repo.write('clusters/feed.yaml', 'apiVersion: driftless.dev/v1\nkind: Cluster\nmetadata: { name: feed }\nspec: { description: feed, owner: ops }\n');
      s.main = await s.repo.commitAndPush('main: a cluster');
      s.daemon.loop.trigger('test');
      await waitFor('new main reported', async () => ((await statusFile(s, 'README.md'))?.includes(s.main.slice(0, 12)) ? true : undefined));
      expect(await statusFile(s, `previews/${PR}.md`)).toContain(COMMENT_MARKER);
    });
  }

  it('a broken push fails the status with file:line, and edits the one comment', async () => {
    const good = await pushPr(s, { steps: [] });
    const broken = hostYaml('web-1', hosts.hosts[0]!, KEY, []).replace(/port: \d+/, 'port: not-a-port');
    const line = broken.split('\n').findIndex((l) => l.includes('not-a-port')) + 1;
    const sha = await pushPr(s, { yaml: broken });
    expect(good).not.toBe(sha);
    const p = await preview(s, sha, SYNC_ACTION[forge]);
    expect(p.state).toBe('failure');
    expect(p.problems[0]).toMatchObject({ file: 'hosts/web-1.yaml', line });
    const last = s.emulator.statuses(sha).at(-1)!;
    expect(last).toMatchObject({ state: FAILED[forge], description: expect.stringContaining('problem(s)') });
    const comments = s.emulator.comments(PR);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(`hosts/web-1.yaml:${line}:`);
    const md = await waitFor('failing preview on the status branch', async () => {
      const text = await statusFile(s, `previews/${PR}.md`);
      return text?.includes(`hosts/web-1.yaml:${line}:`) ? text : undefined;
    });
    expect(md).toContain('problem(s)');
  });

  if (forge === 'github') {
    it('plan --ref prints exactly the preview, and writes nothing to the journal', async () => {
      const sha = await pushPr(s, { steps: [{ name: 'pr2', run: 'echo pr2 > /root/pr2' }] });
      const p = await preview(s, sha, SYNC_ACTION[forge]);
      expect(p.state).toBe('success');
      // The daemon holds the state dir's lock: stop it, then plan the same ref from the same state with the CLI.
      await s.daemon.stop();
      const journal = readFileSync(join(s.stateDir, 'journal.json'), 'utf8');
      const cli = await runCli(['plan', s.repo.url, '--ref', headRef(forge, PR), '--state-dir', s.stateDir, '--config', s.settings], {
        env: { DRIFTLESS_NO_BUNDLE: '1' },
      });
      expect(cli.stderr).toBe('');
      expect(cli.code).toBe(0);
      expect(cli.stdout).toBe(`${p.lines.join('\n')}\n`);
      expect(readFileSync(join(s.stateDir, 'journal.json'), 'utf8')).toBe(journal);
      expect(await onHost('test -e /root/pr2 && echo yes || echo no')).toBe('no');
    });
  }

  if (forge === 'gitlab') {
    it('the newest push wins: back-to-back pushes end with the last one previewed', async () => {
      const first = await pushPr(s, { steps: [{ name: 'a', run: 'echo a > /root/a' }] });
      const second = await pushPr(s, { steps: [{ name: 'b', run: 'echo b > /root/b' }] });
      const r1 = await sendPrHook(s.daemon.url, forge, SECRET, { number: PR, sha: first, action: 'update', repository: 'team/infra/config' });
      const r2 = await sendPrHook(s.daemon.url, forge, SECRET, { number: PR, sha: second, action: 'update', repository: 'team/infra/config' });
      expect([r1.status, r2.status]).toEqual([202, 202]);
      await s.daemon.previews!.service.idle();
      const p = await getJson<PreviewRecord>(`${s.daemon.url}/previews/${PR}`);
      expect(p).toMatchObject({ state: 'success', commit: second, headSha: second });
      expect(s.emulator.statuses(second).at(-1)!.state).toBe('success');
      // the first commit got a verdict of its own only if it finished before the second arrived; never pending
      expect(s.emulator.statuses(first).at(-1)!.state).not.toBe('pending');
      expect(s.emulator.comments(PR)).toHaveLength(1);
      expect(s.emulator.comments(PR)[0]!.body).toContain(second.slice(0, 12));
    });
  }

  if (forge === 'gitea') {
    it('a pull request ref that lags the delivery: the commit the delivery named is planned', async () => {
      await pushPr(s, { steps: [{ name: 'old-head', run: 'echo old' }] });
      // the new head is in the repository (its branch) before the forge moved refs/pull/N/head to it
      const named = await pushPr(s, { steps: [{ name: 'new-head', run: 'echo new' }], ref: 'refs/heads/feature' });
      const p = await preview(s, named, SYNC_ACTION[forge]);
      expect(p).toMatchObject({ state: 'success', commit: named, headSha: named });
      expect(p.lines.join('\n')).toContain('spec.init[new-head]');
      expect(s.emulator.statuses(named).map((x) => x.state)).toEqual(['pending', 'success']);
    });

    it('a secret value the daemon holds never appears in a preview; closing removes the preview file', async () => {
      // The forge token is resolved (and so known to the sanitiser) before the plan is rendered; a commit that
      // writes its value where a plan shows values (a Cluster's description) must not get it published.
      const cluster = `apiVersion: driftless.dev/v1\nkind: Cluster\nmetadata: { name: leak }\nspec: { description: "token ${TOKEN} here", owner: ops }\n`;
      const sha = await pushPr(s, { files: { 'clusters/leak.yaml': cluster } });
      const p = await preview(s, sha, SYNC_ACTION[forge]);
      expect(p.state).toBe('success');
      const raw = await (await fetch(`${s.daemon.url}/previews/${PR}`)).text();
      const md = await waitFor('canary preview on the status branch', async () => {
        const text = await statusFile(s, `previews/${PR}.md`);
        return text?.includes(sha.slice(0, 12)) ? text : undefined;
      });
      for (const text of [raw, md, s.emulator.comments(PR)[0]!.body]) {
        expect(text).toContain('token *** here');
        expect(text).not.toContain(TOKEN);
      }
      const closed = await sendPrHook(s.daemon.url, forge, SECRET, { number: PR, sha, action: CLOSE_ACTION[forge] });
      expect(await closed.json()).toEqual({ result: 'preview_closed', number: PR });
      await s.daemon.previews!.service.idle();
      expect(await statusFile(s, `previews/${PR}.md`)).toBeUndefined();
      expect(await statusFile(s, 'README.md')).toContain('# driftless status');
    });
  }
});
