/**
 * The HTTP surface through fastify's inject (real routing, parsers, body limits): webhook decisions per forge, the
 * rate limit and replay guard, and the read-only routes, which must never leak a secret.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { emptyJournal, type JournalData } from '../../src/journal/types.js';
import { buildServer, createMetrics } from '../../src/server/index.js';
import { registerSecret } from '../../src/util/sanitize.js';
import { createLogger } from '../../src/util/logger.js';

const SECRET = 'hook-secret-for-tests';
const sign = (body: string, algo: 'sha256' | 'sha512' = 'sha256') => createHmac(algo, SECRET).update(body).digest('hex');

function journal(): JournalData {
  const data = emptyJournal();
  const t = '2026-01-01T00:00:00.000Z';
  data.lastGoodRevision = 'a'.repeat(40);
  data.statuses['Host/web-1'] = {
    key: 'Host/web-1',
    kind: 'Host',
    name: 'web-1',
    health: 'Degraded',
    conditions: [{ type: 'Ready', status: 'False', reason: 'Unreachable', message: 'ssh to http://user:pw@x failed', lastTransitionTime: t }],
    details: { summary: 'debian 12, 2 cpus', cpus: 2, note: 'key tok-123456789-secret' },
    updatedAt: t,
  };
  data.runs = [
    {
      id: 'run-1',
      trigger: 'startup',
      revision: 'a'.repeat(40),
      startedAt: t,
      finishedAt: t,
      durationMs: 5,
      outcome: 'Failed',
      counts: { failed: 1 },
      results: [],
      message: 'token tok-123456789-secret leaked?',
    },
  ];
  return data;
}

function setup(opts: { burst?: number; now?: () => number } = {}) {
  const fetches: string[] = [];
  const metrics = createMetrics();
  const app = buildServer({
    secrets: { github: SECRET, gitlab: SECRET, gitea: SECRET, generic: SECRET },
    bodyLimit: 2048,
    burst: opts.burst ?? 100,
    perSecond: 1,
    replayWindowMs: 60_000,
    branch: 'main',
    statusBranch: () => 'driftless/status',
    requestFetch: (r) => fetches.push(r),
    metrics,
    logger: createLogger({ level: 'silent' }),
    read: journal,
    live: () => ({ description: 'git http://127.0.0.1/config.git#main', branch: 'main', ready: true, running: false }),
    ...(opts.now ? { now: opts.now } : {}),
  });
  return { app, fetches, metrics };
}

const push = JSON.stringify({ ref: 'refs/heads/main' });

describe('webhooks', () => {
  it.each([
    ['github', { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign(push)}` }],
    ['gitlab', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET }],
    ['gitea', { 'x-gitea-event': 'push', 'x-gitea-signature': sign(push) }],
    ['generic', { 'x-signature': `sha512=${sign(push, 'sha512')}` }],
  ])('%s: a valid push answers 202 and asks for exactly one fetch', async (source, headers) => {
    const { app, fetches, metrics } = setup();
    const res = await app.inject({ method: 'POST', url: `/hooks/${source}`, headers: { 'content-type': 'application/json', ...headers }, payload: push });
    expect(res.statusCode).toBe(202);
    expect(fetches).toEqual([`webhook:${source}`]);
    expect(metrics.value('driftless_webhook_requests_total', { source, result: 'accepted' })).toBe(1);
  });

  it.each([
    ['wrong secret', { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${createHmac('sha256', 'x').update(push).digest('hex')}` }, push, 401, 'unauthorized'],
    ['unsigned', { 'x-github-event': 'push' }, push, 401, 'unauthorized'],
    ['other branch', { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign(JSON.stringify({ ref: 'refs/heads/dev' }))}` }, JSON.stringify({ ref: 'refs/heads/dev' }), 200, 'ignored_branch'],
    ['status branch', { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign(JSON.stringify({ ref: 'refs/heads/driftless/status' }))}` }, JSON.stringify({ ref: 'refs/heads/driftless/status' }), 200, 'ignored_status_branch'],
    ['ping', { 'x-github-event': 'ping', 'x-hub-signature-256': `sha256=${sign(push)}` }, push, 200, 'ignored_event'],
    ['not json', { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign('not json')}` }, 'not json', 400, 'bad_request'],
  ])('github %s -> %d %s, no fetch', async (_name, headers, payload, status, result) => {
    const { app, fetches } = setup();
    const res = await app.inject({ method: 'POST', url: '/hooks/github', headers: { 'content-type': 'application/json', ...headers }, payload });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ result });
    expect(fetches).toEqual([]);
  });

  it('answers 413 for a body over the limit, before verifying anything', async () => {
    const { app, fetches, metrics } = setup();
    const big = JSON.stringify({ ref: 'refs/heads/main', pad: 'x'.repeat(4096) });
    const res = await app.inject({
      method: 'POST',
      url: '/hooks/github',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign(big)}` },
      payload: big,
    });
    expect(res.statusCode).toBe(413);
    expect(fetches).toEqual([]);
    expect(metrics.value('driftless_webhook_requests_total', { source: 'github', result: 'too_large' })).toBe(1);
  });

  it('ignores a replayed delivery id, but only after its signature verified', async () => {
    const { app, fetches } = setup();
    const send = (sig: string) =>
      app.inject({
        method: 'POST',
        url: '/hooks/gitea',
        headers: { 'content-type': 'application/json', 'x-gitea-event': 'push', 'x-gitea-delivery': 'd-1', 'x-gitea-signature': sig },
        payload: push,
      });
    expect((await send('00')).statusCode).toBe(401);
    expect((await send(sign(push))).statusCode).toBe(202);
    const replay = await send(sign(push));
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toEqual({ result: 'replayed' });
    expect(fetches).toHaveLength(1);
  });

  it('rate-limits per receiver with a token bucket that refills over time', async () => {
    let now = 0;
    const { app, fetches } = setup({ burst: 3, now: () => now });
    const gitlab = () =>
      app.inject({ method: 'POST', url: '/hooks/gitlab', headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET }, payload: push });
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await gitlab()).statusCode);
    expect(codes).toEqual([202, 202, 202, 429, 429]);
    const github = await app.inject({
      method: 'POST',
      url: '/hooks/github',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign(push)}` },
      payload: push,
    });
    expect(github.statusCode).toBe(202);
    now += 1000;
    expect((await gitlab()).statusCode).toBe(202);
    expect(fetches).toHaveLength(5);
  });

  it('answers 404 for a receiver without a secret: unsigned hooks are never accepted', async () => {
    const fetches: string[] = [];
    const app = buildServer({
      secrets: {},
      bodyLimit: 2048,
      burst: 10,
      perSecond: 1,
      replayWindowMs: 1000,
      branch: 'main',
      statusBranch: () => 'driftless/status',
      requestFetch: (r) => fetches.push(r),
      metrics: createMetrics(),
      logger: createLogger({ level: 'silent' }),
      read: journal,
      live: () => ({ description: 'x', branch: 'main', ready: false, running: false }),
    });
    const res = await app.inject({ method: 'POST', url: '/hooks/generic', payload: '{}', headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(404);
    expect(fetches).toEqual([]);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(503);
  });
});

describe('read-only routes', () => {
  it('serve status, one resource, runs, metrics; never a credential or registered secret', async () => {
    registerSecret('tok-123456789-secret');
    const { app } = setup();
    const status = await app.inject({ url: '/status' });
    expect(status.statusCode).toBe(200);
    expect(status.json()).toMatchObject({
      ready: true,
      revision: { inForce: 'a'.repeat(40) },
      counts: { resources: 1, ready: 0, notReady: 1 },
      resources: [{ key: 'Host/web-1', state: 'NotReady', reason: 'Unreachable' }],
      lastRun: { id: 'run-1', outcome: 'Failed' },
    });
    const one = await app.inject({ url: '/status/Host/web-1' });
    expect(one.json()).toMatchObject({ key: 'Host/web-1', conditions: [{ type: 'Ready' }], detail: 'debian 12, 2 cpus', details: { cpus: 2, note: 'key ***' } });
    expect(status.json().resources[0].detail).toBe('debian 12, 2 cpus');
    expect((await app.inject({ url: '/status/Host/nope' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/runs' })).json()).toMatchObject({ runs: [{ id: 'run-1' }] });
    expect((await app.inject({ url: '/runs/run-1' })).json()).toMatchObject({ id: 'run-1', results: [] });
    expect((await app.inject({ url: '/runs/zzz' })).statusCode).toBe(404);
    const all = [status.body, one.body, (await app.inject({ url: '/runs/run-1' })).body].join('\n');
    expect(all).not.toContain('user:pw');
    expect(all).not.toContain('tok-123456789-secret');
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toContain('driftless_resources{kind="Host",ready="NotReady"} 1');
    expect(metrics.body).toContain('# TYPE driftless_reconcile_duration_seconds histogram');
    expect((await app.inject({ method: 'POST', url: '/status' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: '/runs/run-1' })).statusCode).toBe(404);
  });
});
