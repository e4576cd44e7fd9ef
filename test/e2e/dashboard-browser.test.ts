/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a daemon that applies a
 * config repo on real sshd hosts: the overview's counts equal `/status`; a run pushed while the page is open is
 * followed live through the event stream until it finishes, without a reload; the resource it changed shows the
 * plan's field diff; desktop and 390 px screenshots have no horizontal scroll and nothing under the header; the
 * status colours pass WCAG AA contrast in light and dark; axe-core finds no serious or critical violation; the
 * CSP holds (no violation reported); the SSH key (a resolved secret) never reaches a page or the event stream. A
 * pull request (a commit on `refs/pull/5/head` and a signed GitHub `pull_request` delivery) is previewed and shown on
 * `/ui/previews/5` with the plan text `GET /previews/5` holds, the key line in its title masked, nothing applied.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/index.js';
import { startDaemon, type Daemon } from '../../src/reconcile/daemon.js';
import { createLogger } from '../../src/util/logger.js';
import { axeViolations, coloursOf, contrastRatio, launchBrowser, layoutFaults } from '../harness/browser.js';
import { startGitServer, type GitServer } from '../harness/git-server.js';
import { startTestHosts, type TestHosts } from '../harness/hosts.js';
import { LOOPBACK_HOSTS, writeOperatorSettings } from '../harness/secrets.js';
import { tempDir } from '../harness/tmp.js';
import { commitAll, git } from '../harness/git-cli.js';
import type { PreviewRecord } from '../../src/preview/index.js';
import { sendPrHook } from '../preview/pr-payloads.js';
import { createConfigRepo, getJson, hostYaml, sendGithubHook, settingsYaml, waitFor, type ConfigRepo, type StatusBody, type StepSpec } from './fixture.js';

const HOOK = `wh-${randomBytes(12).toString('hex')}`;
const HOOK_ENV = `DL_DASH_WH_${randomBytes(4).toString('hex')}`;
const KEY = 'dash-key';
const PR = 5;
/** Where the screenshots go; set DRIFTLESS_SCREENSHOTS to keep them (docs/dashboard.png is one of them). */
const SHOTS = process.env.DRIFTLESS_SCREENSHOTS ?? tempDir('dashboard-shots');

let hosts: TestHosts;
let server: GitServer;
let repo: ConfigRepo;
let daemon: Daemon;
let browser: Browser;
/** Lines of the private key: the canary that must never be shown. */
let canaries: string[];
const cspViolations: string[] = [];
const steps: StepSpec[] = [{ name: 'base', run: 'echo base > /root/base' }];

async function writeRepo(): Promise<void> {
  await repo.write('hosts/web-1.yaml', hostYaml('web-1', hosts.hosts[0]!, KEY, steps));
  await repo.write('hosts/web-2.yaml', hostYaml('web-2', hosts.hosts[1]!, KEY, [{ name: 'base', run: 'echo base > /root/base' }]));
}

const status = () => getJson<StatusBody & { counts: { notReady: number } }>(`${daemon.url}/status`);

async function open(path: string, width = 1280, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 }, colorScheme });
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
  });
  await page.goto(`${daemon.url}${path}`);
  return page;
}

function expectNoCanary(text: string, where: string): void {
  for (const c of canaries) expect(text.includes(c), `${where} shows the private key`).toBe(false);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  [hosts, server, browser] = await Promise.all([startTestHosts(2, { name: 'dash' }), startGitServer(), launchBrowser()]);
  canaries = hosts.privateKey.split('\n').filter((l) => l.length >= 20 && !l.startsWith('-----'));
  repo = await createConfigRepo(server, 'dash');
  process.env[HOOK_ENV] = HOOK;
  await repo.write('driftless.yaml', settingsYaml());
  await writeRepo();
  await repo.commitAndPush('v1');
  const config = loadDaemonConfig({
    env: {},
    file: writeOperatorSettings({ [KEY]: { value: hosts.privateKey, allow: LOOPBACK_HOSTS } }),
    flags: {
      repo: repo.url,
      branch: 'main',
      interval: '1h',
      driftInterval: '0s',
      listen: '127.0.0.1:0',
      stateDir: tempDir('dash-state'),
      statusPush: false,
      webhooks: { github: { secret: { env: HOOK_ENV } }, burst: 100, perSecond: 100 },
      http: { repoWebUrl: 'https://git.example/ops/config' },
    },
  });
  daemon = await startDaemon(config, { logger: createLogger({ level: 'warn' }) });
  await waitFor('first run applied', async () => ((await status()).lastRun?.outcome === 'Succeeded' ? true : undefined));
});

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  await server?.dispose();
  await hosts?.teardown();
});

describe('dashboard in Chromium', () => {
  it('the overview counts equal /status', async () => {
    const page = await open('/ui/');
    const n = async (b: string) => Number(await page.textContent(`[data-bucket=${b}] .n`));
    const s = await status();
    expect(await n('Ready')).toBe(s.counts.ready);
    expect(await n('Stalled')).toBe(s.counts.stalled);
    expect((await n('Progressing')) + (await n('Degraded'))).toBe(s.counts.notReady);
    expect(s.counts.ready).toBe(2);
    expect(await page.textContent('[data-rev=in-force]')).toContain(s.revision.inForce!.slice(0, 12));
    expect(await page.locator('svg.plot rect').count()).toBeGreaterThan(0);
    await page.close();
    // Without JavaScript the same tables are there (rendered by the server).
    const ctx = await browser.newContext({ javaScriptEnabled: false });
    const nojs = await ctx.newPage();
    await nojs.goto(`${daemon.url}/ui/`);
    expect(Number(await nojs.textContent('[data-bucket=Ready] .n'))).toBe(s.counts.ready);
    expect(await nojs.locator('a.key').allTextContents()).toEqual(['Host/web-1', 'Host/web-2']);
    await ctx.close();
  });

  it('follows a run live through the event stream until it finishes, and the changed resource shows its diff', async () => {
    const page = await open('/ui/');
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
    // A raw reader of the stream next to the page, to check what it carries.
    const ctrl = new AbortController();
    const stream = await fetch(`${daemon.url}/ui/events`, { signal: ctrl.signal });
    let sse = '';
    const reading = (async () => {
      const reader = stream.body!.getReader();
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        sse += new TextDecoder().decode(value);
      }
    })();
    // The new step waits for a file the test creates once the page shows the run: the run is caught mid-flight.
    steps.push({ name: 'gate', run: 'while [ ! -f /root/go ]; do sleep 0.1; done; echo v2 > /root/v2' });
    await writeRepo();
    const c2 = await repo.commitAndPush('v2: a gated step on web-1');
    expect((await sendGithubHook(daemon.url, HOOK)).status).toBe(202);
    await page.waitForSelector('#live[data-state=running]', { timeout: 60_000 });
    expect(await page.textContent('#live [data-live=title]')).toContain(c2.slice(0, 12));
    expect(await page.textContent('[data-rev=head]')).toBe(c2.slice(0, 12));
    await page.screenshot({ path: join(SHOTS, 'dashboard-running.png'), fullPage: true });
    await hosts.hosts[0]!.exec('touch /root/go');
    await page.waitForSelector('#live[data-state=finished]', { timeout: 60_000 });
    expect(await page.getAttribute('#live', 'data-outcome')).toBe('Succeeded');
    // followed in place: the page was never reloaded
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
    expect(await page.locator('#live ol li').count()).toBeGreaterThan(0);
    await page.click('[data-live=run]');
    await page.waitForURL(/\/ui\/runs\/[0-9a-f-]+$/);
    expect(await page.textContent('h1')).toContain((await status()).lastRun!.id);
    await waitFor('run-end on the raw stream', () => sse.includes('event: run-end'));
    ctrl.abort();
    await reading;
    expect(sse).toContain(`"revision":"${c2}"`);
    expectNoCanary(sse, 'the event stream');
    await page.close();

    const res = await open('/ui/resources/Host/web-1');
    const diff = await res.textContent('.diff');
    expect(diff).toContain('spec.init[gate]');
    expect(await res.getAttribute('a[href^="https://git.example/ops/config/blob/"]', 'href')).toBe(`https://git.example/ops/config/blob/${c2}/hosts/web-1.yaml#L1`);
    expect(await res.textContent('#log-h + *')).toMatch(/update succeeded/);
    expect(await res.locator('svg.graph a').count()).toBeGreaterThan(0);
    expectNoCanary(await res.content(), 'the resource page');
    await res.screenshot({ path: join(SHOTS, 'dashboard-resource.png'), fullPage: true });
    await res.close();
  });

  it('a signed pull request delivery is previewed and shown on /ui/previews/<n>; its secret masked, nothing applied', async () => {
    // The pull request's head: main plus a step that would leave a marker on web-1; its title carries a key line.
    await git(repo.dir, 'checkout', '--quiet', '--detach', 'main');
    await repo.write('hosts/web-1.yaml', hostYaml('web-1', hosts.hosts[0]!, KEY, [...steps, { name: 'pr', run: 'echo pr > /root/pr' }]));
    const sha = await commitAll(repo.dir, 'pull request: one more step');
    await git(repo.dir, 'push', '--quiet', '--force', repo.url, `HEAD:refs/pull/${PR}/head`);
    await git(repo.dir, 'checkout', '--quiet', 'main');
    expect((await sendPrHook(daemon.url, 'github', HOOK, { number: PR, sha, title: `add <em>pr</em> step ${canaries[0]}` })).status).toBe(202);
    await daemon.previews!.service.idle();
    const data = await getJson<PreviewRecord>(`${daemon.url}/previews/${PR}`);
    expect(data.state).toBe('success');

    // Without JavaScript: the list links to the preview, which shows the plan exactly as the JSON holds it.
    const ctx = await browser.newContext({ javaScriptEnabled: false });
    const list = await ctx.newPage();
    await list.goto(`${daemon.url}/ui/previews`);
    expect(await list.textContent(`tr:has(a[href="/ui/previews/${PR}"]) .badge`)).toBe('success');
    expect(await list.textContent('main')).toContain('add <em>pr</em> step ***');
    await list.click(`a[href="/ui/previews/${PR}"]`);
    await list.waitForURL(new RegExp(`/ui/previews/${PR}$`));
    expect(await list.textContent('[data-preview=plan]')).toBe(data.lines.join('\n'));
    expect(await list.textContent('section[aria-labelledby=chg-h]')).toContain('spec.init[pr]');
    expect(await list.textContent('[data-preview=plan]')).toContain('~ spec.init[pr]');
    expect(await list.textContent('h1')).toContain(`Preview of #${PR}: add <em>pr</em> step ***`);
    expect(await list.locator(`code[title="${sha}"]`).count()).toBeGreaterThan(0);
    expectNoCanary(await list.content(), 'the preview page');
    await ctx.close();
    // A browser following the link a forge comment carries (/previews/<n>) lands on the page.
    const nav = await open(`/previews/${PR}`);
    expect(new URL(nav.url()).pathname).toBe(`/ui/previews/${PR}`);
    await nav.close();
    expect((await hosts.hosts[0]!.exec('test -e /root/pr && echo applied || echo absent')).stdout.trim()).toBe('absent');
  });

  it('desktop and 390 px: no horizontal scroll, nothing under the header, AA contrast of status colours, no serious axe violation', async () => {
    for (const path of ['/ui/', '/ui/resources/Host/web-1', '/ui/deployment-engine', `/ui/runs/${(await status()).lastRun!.id}`, '/ui/previews', `/ui/previews/${PR}`]) {
      for (const width of [1280, 390]) {
        for (const scheme of ['light', 'dark'] as const) {
          const page = await open(path, width, scheme);
          expect(await layoutFaults(page), `${path} at ${width} px (${scheme})`).toEqual([]);
          for (const c of await coloursOf(page, '.badge')) {
            expect(contrastRatio(c.fg, c.bg), `${c.text} on ${path} (${scheme}): ${c.fg} on ${c.bg}`).toBeGreaterThanOrEqual(4.5);
          }
          // axe in both schemes at desktop width (colours differ), once at phone width (the structure does not).
          if (width === 1280 || scheme === 'light') {
            const serious = (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
            expect(serious, `${path} at ${width} px (${scheme})`).toEqual([]);
          }
          expectNoCanary(await page.content(), path);
          const name = path === '/ui/' ? 'dashboard' : path.startsWith('/ui/previews/') ? 'dashboard-preview' : `dashboard-${path.split('/')[2]}`;
          if (scheme === 'light') await page.screenshot({ path: join(SHOTS, `${name}${width === 390 ? '-390' : ''}.png`), fullPage: width === 390 });
          await page.close();
        }
      }
    }
    expect(cspViolations).toEqual([]);
  });
});
