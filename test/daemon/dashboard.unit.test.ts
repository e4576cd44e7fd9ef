/**
 * The dashboard's pages through fastify's inject: what each page shows, that every value is escaped and secret
 * values are masked, the security headers, and the event stream's framing. The browser test
 * (test/e2e/dashboard-browser.test.ts) covers the same pages rendered by Chromium against a daemon on real hosts.
 */
import { describe, expect, it } from 'vitest';
import { emptyJournal, type JournalData } from '../../src/journal/types.js';
import type { Plan, RunRecord } from '../../src/model/plan.js';
import { createDashboardFeed } from '../../src/server/dashboard/feed.js';
import { sourceLink } from '../../src/server/dashboard/resource.js';
import { bucketOf } from '../../src/server/dashboard/layout.js';
import { registerSecret } from '../../src/util/sanitize.js';
import type { DeploymentReadModel, DeploymentSnapshotView } from '../../src/model/deployment-view.js';
import { testServer } from './helpers.js';

const CANARY = 'canary-secret-9f8e7d6c5b4a';
registerSecret(CANARY);
const T = '2026-12-05T10:00:00.000Z';
const REV = 'a'.repeat(40);

function journal(): JournalData {
  const j = emptyJournal();
  const cond = (type: 'Ready' | 'Stalled', status: 'True' | 'False', reason: string, message = '') => ({ type, status, reason, message, lastTransitionTime: T });
  j.statuses['Host/web-1'] = { key: 'Host/web-1', kind: 'Host', name: 'web-1', health: 'Healthy', conditions: [cond('Ready', 'True', 'Applied')], source: { file: 'hosts/web-1.yaml', line: 3, col: 1 }, updatedAt: T, lastAppliedRevision: REV };
  j.statuses['Host/<img src=x>'] = { key: 'Host/<img src=x>', kind: 'Host', name: '<img src=x>', health: 'Degraded', conditions: [cond('Ready', 'False', 'Failed', `ssh said ${CANARY}`)], updatedAt: T };
  j.statuses['Pool/web'] = { key: 'Pool/web', kind: 'Pool', name: 'web', health: 'Progressing', conditions: [cond('Ready', 'False', 'Progressing')], updatedAt: T };
  j.statuses['NginxUnit/edge'] = { key: 'NginxUnit/edge', kind: 'NginxUnit', name: 'edge', health: 'Unknown', conditions: [cond('Stalled', 'True', 'SecretNotAllowed')], updatedAt: T };
  const run: RunRecord = { id: 'run-1', trigger: 'webhook:github', revision: REV, startedAt: T, finishedAt: T, durationMs: 1234, outcome: 'Succeeded', counts: { update: 1 }, results: [] };
  j.runs = [run, { ...run, id: 'run-0', outcome: 'Failed', durationMs: 40 }];
  j.lastGoodRevision = REV;
  return j;
}

function plan(): Plan {
  const desired = { apiVersion: 'driftless.dev/v1', kind: 'Host', metadata: { name: 'web-1' }, spec: { address: '127.0.0.1', privateKey: { secret: 'lab-key' }, password: CANARY }, source: { file: 'hosts/web-1.yaml', line: 3, col: 1 } };
  return {
    revision: REV,
    createdAt: T,
    waves: [['Host/web-1'], ['Pool/web']],
    prune: [],
    tasks: [
      { key: 'Host/web-1', kind: 'Host', name: 'web-1', action: 'update', wave: 0, dependsOn: [], digest: 'd', desired, observed: { token: 'abc-observed-token', facts: { cpus: 2 } }, changes: [{ path: 'init[1].run', before: 'echo v1', after: 'echo v2' }, { path: 'privateKey', before: 'x', after: 'y', sensitive: true }, { path: 'spec.auth.password', before: 'old-pass-value', after: 'new-pass-value' }] },
      { key: 'Pool/web', kind: 'Pool', name: 'web', action: 'noop', wave: 1, dependsOn: ['Host/web-1'], digest: 'e', desired: { ...desired, kind: 'Pool', metadata: { name: 'web' } }, changes: [],
        observed: { hosts: [{ host: 'web-1', reachable: true, nodes: [{ name: 'web-0', state: 'running', image: 'reg/web:1', healthy: true, createdAt: T }] }, { host: 'web-2', reachable: false, error: 'ssh: refused', nodes: [] }] } },
    ],
  } as unknown as Plan;
}

async function server() {
  const feed = createDashboardFeed();
  feed.setPlan(plan());
  const app = testServer({ read: journal, feed, repoWebUrl: 'https://git.example/org/config' });
  await app.ready();
  return { app, feed };
}

describe('dashboard pages', () => {
  it('/ redirects to /ui/; the overview counts health buckets, lists runs and resources, escapes names', async () => {
    const { app } = await server();
    const root = await app.inject('/');
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/ui/');
    const res = await app.inject('/ui/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    const body = res.body;
    const count = (b: string) => new RegExp(`data-bucket="${b}"><span class="n">(\\d+)<`).exec(body)?.[1];
    expect([count('Ready'), count('Progressing'), count('Degraded'), count('Stalled')]).toEqual(['1', '1', '1', '1']);
    expect(body).toContain('&lt;img src=x&gt;');
    expect(body).not.toContain('<img src=x>');
    expect(body).not.toContain(CANARY);
    expect(body).toContain("<svg class=\"plot\"");
    expect(body).toContain('href="/ui/runs/run-1"');
    expect((await app.inject('/ui/runs')).body).toContain('href="/ui/runs/run-0"');
    expect(body).not.toMatch(/<script>|style="/);
  });

  it('the resources table lists the least healthy first, filters by kind and caps at 100 rows unless asked for all', async () => {
    const j = journal();
    for (let i = 0; i < 120; i++) j.statuses[`Host/h-${i}`] = { ...j.statuses['Host/web-1']!, key: `Host/h-${i}`, name: `h-${i}` };
    const app = testServer({ read: () => j });
    const keys = (body: string) => [...body.matchAll(/<a class="key" href="\/ui\/resources\/[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]!);
    const first = keys((await app.inject('/ui/')).body);
    expect(first).toHaveLength(100);
    expect(first.slice(0, 3)).toEqual(['NginxUnit/edge', 'Host/&lt;img src=x&gt;', 'Pool/web']);
    expect(keys((await app.inject('/ui/?all=1')).body)).toHaveLength(124);
    const pools = (await app.inject('/ui/?kind=Pool')).body;
    expect(keys(pools)).toEqual(['Pool/web']);
    expect(pools).toContain('href="/ui/?kind=Host#res-h"');
  });

  it('every answer carries the security headers', async () => {
    const { app } = await server();
    for (const path of ['/ui/', '/status', '/ui/assets/dashboard.js', '/ui/nope']) {
      const res = await app.inject(path);
      expect(res.headers['content-security-policy'], path).toContain("frame-ancestors 'none'");
      // Pages get their own script and styles; JSON answers keep the server's deny-all policy (hardening.ts).
      if (path.startsWith('/ui')) expect(res.headers['content-security-policy'], path).toContain("script-src 'self'");
      else expect(res.headers['content-security-policy'], path).toContain("default-src 'none'");
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
      expect(res.headers['referrer-policy'], path).toBe('no-referrer');
    }
  });

  it('a resource page shows the diff, spec with a source link, graph and redacted observation', async () => {
    const { app } = await server();
    const res = await app.inject('/ui/resources/Host/web-1');
    expect(res.statusCode).toBe(200);
    const body = res.body;
    expect(body).toContain('init[1].run');
    expect(body).toContain('echo v2');
    expect(body).toMatch(/<code class="before">\*\*\*<\/code>/);
    expect(body).not.toMatch(/(old|new)-pass-value/);
    expect(body).toContain(`href="https://git.example/org/config/blob/${REV}/hosts/web-1.yaml#L3"`);
    expect(body).toContain('secret: lab-key');
    expect(body).not.toContain(CANARY);
    expect(body).not.toContain('abc-observed-token');
    expect(body).toContain('href="/ui/resources/Pool/web"');
    const pool = (await app.inject('/ui/resources/Pool/web')).body;
    expect(pool).toContain('reg/web:1');
    expect(pool).toContain('ssh: refused');
    expect((await app.inject('/ui/resources/Host/nope')).statusCode).toBe(404);
  });

  it('an nginx unit shows versions per host and its publish history', async () => {
    const j = journal();
    j.statuses['NginxUnit/edge']!.details = {
      summary: 'version sha256:ab on 1/2 host(s)',
      desired: 'sha256:ab',
      published: 'mixed',
      hosts: [{ host: 'lb-1', version: 'sha256:ab', running: true }, { host: 'lb-2', version: 'sha256:99', running: false }],
      lastPublish: { digest: 'sha256:ab', files: ['nginx.conf', 'conf.d/web.conf'] },
      history: [{ digest: 'sha256:ab', time: T, result: 'published', cause: 'change' }, { digest: 'sha256:99', time: T, result: 'rolled-back', cause: `nginx -t failed ${CANARY}` }],
    };
    const app = testServer({ read: () => j });
    const body = (await app.inject('/ui/resources/NginxUnit/edge')).body;
    expect(body).toContain('lb-2');
    expect(body).toContain('sha256:99');
    expect(body).toContain('rolled-back');
    expect(body).toContain('conf.d/web.conf');
    expect(body).not.toContain(CANARY);
  });

  it('the Deployment Engine page is the status API as components × hosts with monit state', async () => {
    const snap: DeploymentSnapshotView = {
      deployment: 'cf',
      observedAt: T,
      config: {},
      observed: {
        hosts: [
          { host: 'cf-1', address: '10.0.0.1', reachable: true, facts: { cpus: 4 }, usage: { cpuPercent: 5 }, installed: { nats: 'd1', router: 'd2' }, processes: { nats: { state: 'running', detail: '' }, router: { state: 'initializing', detail: '' } } },
          { host: 'cf-2', address: '10.0.0.2', reachable: false, error: 'ssh: timeout', facts: {}, usage: {}, installed: {}, processes: {} },
        ],
        instances: [
          { component: 'nats', index: 0, host: 'cf-1', address: '10.0.0.1', state: 'running' },
          { component: 'router', index: 0, host: 'cf-1', address: '10.0.0.1', state: 'running' },
          { component: 'router', index: 1, host: 'cf-2', address: '10.0.0.2', state: 'running' },
        ],
      },
    };
    const deployments: DeploymentReadModel = { snapshots: async () => [snap], logs: async () => ['nats_0.log'], log: async () => `line 1\npassword ${CANARY}\nline 3` };
    const app = testServer({ deployments });
    const page = (await app.inject('/ui/deployment-engine')).body;
    const cells = [...page.matchAll(/<span class="badge [^"]+">([A-Z_]+)<\/span>/g)].map((m) => m[1]);
    expect(cells).toEqual(['RUNNING', 'STARTING', 'UNREACHABLE']);
    expect(page).toContain('monit: initializing');
    expect(page).toContain('10.0.0.2');
    const j = journal();
    j.statuses['CFDeployment/cf'] = { key: 'CFDeployment/cf', kind: 'CFDeployment', name: 'cf', health: 'Healthy', conditions: [], updatedAt: T };
    const res = (await testServer({ deployments, read: () => j }).inject('/ui/resources/CFDeployment/cf')).body;
    expect(res).toContain('nats_0.log');
    expect(res).toContain('line 3');
    expect(res).not.toContain(CANARY);
  });

  it('closing the server ends open event streams instead of waiting for them', async () => {
    const { app } = await server();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${addr.port}/ui/events`);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('retry: 3000');
    await app.close();
    for (;;) if ((await reader.read()).done) break;
  });

  it.each([
    [{ state: 'Stalled', health: 'Progressing' }, true, 'Stalled'],
    [{ state: 'Ready', health: 'Healthy' }, false, 'Ready'],
    [{ state: 'NotReady', health: 'Degraded' }, true, 'Degraded'],
    [{ state: 'NotReady', health: 'Progressing' }, false, 'Progressing'],
    [{ state: 'NotReady', health: 'Missing' }, true, 'Progressing'],
    [{ state: 'NotReady', health: 'Unknown' }, false, 'Degraded'],
  ] as const)('bucketOf(%o, reconciling %s) = %s', (view, reconciling, bucket) => {
    expect(bucketOf(view, reconciling)).toBe(bucket);
  });

  it('source links fill a template or append a GitHub-style path; other schemes are refused', () => {
    expect(sourceLink('https://gl.example/g/c/-/blob/{commit}/{path}#L{line}', 'abc', 'a b/c.yaml', 7)).toBe('https://gl.example/g/c/-/blob/abc/a%20b/c.yaml#L7');
    expect(sourceLink('javascript:alert(1)//{path}', 'abc', 'c.yaml', 1)).toBeUndefined();
    expect(sourceLink(undefined, 'abc', 'c.yaml', 1)).toBeUndefined();
  });

  it('the event stream sends progress and run-end, sanitised', async () => {
    const { app, feed } = await server();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address() as { port: number };
    const ctrl = new AbortController();
    const res = await fetch(`http://127.0.0.1:${addr.port}/ui/events`, { signal: ctrl.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const run = { id: 'run-2', revision: REV, tasksDone: 0, tasksTotal: 2 };
    feed.runStarted(run);
    feed.engineEvent({ type: 'task-retry', key: 'Host/web-1', attempt: 1, delayMs: 10, message: `auth failed for ${CANARY}` }, run);
    feed.runEnded({ id: 'run-2', revision: REV, outcome: 'Succeeded', durationMs: 5, trigger: 't', startedAt: T, finishedAt: T, counts: {}, results: [] });
    let text = '';
    while (!text.includes('event: run-end')) text += new TextDecoder().decode((await reader.read()).value);
    ctrl.abort();
    expect(text).toContain('event: progress');
    expect(text).toContain('"outcome":"Succeeded"');
    expect(text).not.toContain(CANARY);
    expect(feed.entries('Host/web-1').map((e) => e.text)).toEqual(['retry 1 in 10 ms: auth failed for ***']);
    await app.close();
  });
});
