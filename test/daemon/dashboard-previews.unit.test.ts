/**
 * The dashboard's plan preview pages through fastify's inject: the list and one preview show what `GET /previews`
 * holds (state, commit, summary, problems with file:line linked into the repo's web view, tasks and field changes,
 * plan text, publish results), escaped and with a canary secret masked everywhere; the empty and "no previews here"
 * states; and a browser following a forge's `/previews/<n>` link lands on the page while scripts still get JSON.
 * test/e2e/dashboard-browser.test.ts shows a preview made from a real signed delivery in Chromium.
 */
import { describe, expect, it } from 'vitest';
import type { PreviewRecord } from '../../src/preview/index.js';
import type { PreviewReadModel } from '../../src/server/preview-routes.js';
import { registerSecret } from '../../src/util/sanitize.js';
import { testServer } from './helpers.js';

const CANARY = 'canary-preview-secret-5e4d3c2b1a';
registerSecret(CANARY);
const T = '2026-12-05T10:00:00.000Z';
const SHA = 'b'.repeat(40);

function record(over: Partial<PreviewRecord>): PreviewRecord {
  return {
    number: 7,
    forge: 'github',
    title: 'change hosts',
    webUrl: 'https://github.example.com/team/config/pull/7',
    headSha: SHA,
    fetchRef: 'refs/pull/7/head',
    baseBranch: 'main',
    state: 'success',
    commit: SHA,
    summary: 'Plan: 0 to create, 1 to update, 0 to replace, 0 to delete, 1 unchanged.',
    problems: [],
    lines: ['~ Host/web-1 update', `    spec.init[pr]: + echo ${CANARY}`, 'Plan: 0 to create, 1 to update.'],
    tasks: [
      {
        key: 'Host/web-1',
        action: 'update',
        wave: 0,
        changes: [
          { path: 'spec.init[pr]', after: `echo ${CANARY}` },
          { path: 'spec.auth.password', before: 'old-pass-value', after: 'new-pass-value' },
          { path: 'privateKey', sensitive: true },
        ],
      },
      { key: 'Pool/<b>web</b>', action: 'noop', wave: 1, changes: [] },
    ],
    prune: [],
    requestedAt: T,
    startedAt: T,
    finishedAt: T,
    published: { statusBranch: 'c0ffee1', forge: 'ok' },
    ...over,
  };
}

function reads(records: PreviewRecord[]): PreviewReadModel {
  return { list: () => [...records].reverse(), get: (n) => records.find((r) => r.number === n) };
}

const failing = record({
  number: 8,
  title: '<script>alert(1)</script>',
  state: 'failure',
  summary: '1 problem(s) in the config repo',
  problems: [{ file: 'hosts/web-1.yaml', line: 4, col: 3, message: `spec.port: must be integer (was ${CANARY})` }],
  lines: ['hosts/web-1.yaml:4:3: spec.port: must be integer'],
  tasks: [],
  published: { forge: `error: 401 from https://user:${CANARY}@forge.example/api` },
});

describe('dashboard: plan previews', () => {
  it('the list shows every preview newest first with state, commit, summary and time, escaped and masked', async () => {
    const app = testServer({ previewReads: reads([record({}), failing, record({ number: 9, state: 'superseded', title: undefined })]) });
    const res = await app.inject('/ui/previews');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    const body = res.body;
    expect([...body.matchAll(/href="\/ui\/previews\/(\d+)"/g)].map((m) => m[1])).toEqual(['9', '8', '7']);
    expect(body).toMatch(/<span class="badge s-neutral">superseded<\/span>/);
    expect(body).toMatch(/<span class="badge s-stalled">failure<\/span>/);
    expect(body).toMatch(/<span class="badge s-ready">success<\/span>/);
    expect(body).toContain('1 problem(s)');
    expect(body).toContain(`title="${SHA}"`);
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(body).not.toContain('<script>alert');
    expect(body).toContain('<a href="/ui/previews" aria-current="page">Previews</a>');
    expect(body).not.toContain(CANARY);
  });

  it('one preview: plan text, tasks, field changes (credentials masked), publish results', async () => {
    const app = testServer({ previewReads: reads([record({})]) });
    const body = (await app.inject('/ui/previews/7')).body;
    expect(body).toContain('<a href="https://github.example.com/team/config/pull/7">github #7</a>');
    expect(body).toContain('<pre data-preview="plan">~ Host/web-1 update\n    spec.init[pr]: + echo ***\n');
    expect(body).toContain('<code class="after">echo ***</code>');
    expect(body).not.toMatch(/(old|new)-pass-value/);
    expect(body).toContain('<code>Pool/&lt;b&gt;web&lt;/b&gt;</code>');
    expect(body).toContain('c0ffee1');
    expect(body).toContain('No problems.');
    expect(body).not.toContain(CANARY);
  });

  it('a failing preview lists its problems as file:line links into the repo at the commit planned', async () => {
    const app = testServer({ previewReads: reads([failing]), repoWebUrl: 'https://git.example/team/config' });
    const body = (await app.inject('/ui/previews/8')).body;
    expect(body).toContain(`<a href="https://git.example/team/config/blob/${SHA}/hosts/web-1.yaml#L4">hosts/web-1.yaml:4:3</a>`);
    expect(body).toContain('spec.port: must be integer (was ***)');
    expect(body).toContain('No tasks (the commit was not planned).');
    expect(body).toContain('https://***@forge.example/api');
    expect(body).not.toContain(CANARY);
    expect((await app.inject('/ui/previews/99')).statusCode).toBe(404);
    expect((await app.inject('/ui/previews/x1')).statusCode).toBe(404);
  });

  it('says so when there is nothing to show, or no previews on this daemon', async () => {
    expect((await testServer({ previewReads: reads([]) }).inject('/ui/previews')).body).toContain('No pull request has been previewed since the daemon started.');
    expect((await testServer({ previewsOff: 'disabled' }).inject('/ui/previews')).body).toContain('previews.enabled: false');
    expect((await testServer({ previewsOff: 'directory' }).inject('/ui/previews')).body).toContain('follows a directory, not a Git repository');
    expect((await testServer().inject('/ui/previews')).body).toContain('This server does not make plan previews.');
    expect((await testServer({ previewsOff: 'disabled' }).inject('/ui/previews/7')).statusCode).toBe(404);
    const quiet = testServer({ previewReads: reads([record({ published: {} }), record({ number: 11, state: 'running', finishedAt: undefined, published: {}, lines: [], tasks: [] })]) });
    expect((await quiet.inject('/ui/previews/7')).body).toContain('Only here and at /previews');
    const running = (await quiet.inject('/ui/previews/11')).body;
    expect(running).toContain('Not published yet.');
    expect(running).toMatch(/<span class="badge s-progressing">running<\/span>/);
  });

  it('a browser following /previews/<n> (from a forge comment) lands on the page; scripts still get JSON', async () => {
    const app = testServer({ previewReads: reads([record({})]) });
    const browser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
    const nav = await app.inject({ url: '/previews/7', headers: browser });
    expect(nav.statusCode).toBe(303);
    expect(nav.headers.location).toBe('/ui/previews/7');
    expect((await app.inject({ url: '/previews', headers: browser })).headers.location).toBe('/ui/previews');
    const data = await app.inject({ url: '/previews/7', headers: { accept: '*/*' } });
    expect(data.json<PreviewRecord>().number).toBe(7);
    expect((await app.inject({ url: '/previews', headers: { accept: 'application/json' } })).json<{ previews: unknown[] }>().previews).toHaveLength(1);
  });
});
