/**
 * Replay guard for signed deliveries that carry no delivery id (scripts and CI jobs posting to the generic
 * receiver): the signature of an identical body is identical, so a captured request replayed within the window is
 * answered 200 `replayed`, wakes nothing and is counted; a new body, or the same body after the window, wakes us.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { emptyJournal } from '../../src/journal/types.js';
import { buildServer, createMetrics } from '../../src/server/index.js';
import { SIGNATURE_REPLAY_WINDOW_MS } from '../../src/server/webhooks.js';
import { createLogger } from '../../src/util/logger.js';

const SECRET = 'replay-secret-for-tests';
const sign = (body: string, algo: 'sha256' | 'sha512' = 'sha256') => createHmac(algo, SECRET).update(body).digest('hex');

function setup() {
  let now = 1_000_000;
  const fetches: string[] = [];
  const metrics = createMetrics();
  const app = buildServer({
    secrets: { github: SECRET, gitlab: SECRET, gitea: SECRET, generic: SECRET },
    bodyLimit: 2048,
    burst: 100,
    perSecond: 1,
    replayWindowMs: 3_600_000,
    branch: 'main',
    statusBranch: () => 'driftless/status',
    requestFetch: (r) => fetches.push(r),
    metrics,
    logger: createLogger({ level: 'silent' }),
    read: emptyJournal,
    live: () => ({ description: 'git http://127.0.0.1/config.git#main', branch: 'main', ready: true, running: false }),
    now: () => now,
  });
  const generic = (body: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/hooks/generic', headers: { 'content-type': 'application/json', 'x-signature': `sha256=${sign(body)}`, ...headers }, payload: body });
  return { app, fetches, metrics, generic, advance: (ms: number) => (now += ms) };
}

const body = JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40) });

describe('replay guard without a delivery id', () => {
  it('ignores an identical signed body replayed within the window, and counts it', async () => {
    const { fetches, metrics, generic } = setup();
    expect((await generic(body)).statusCode).toBe(202);
    const replay = await generic(body);
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toEqual({ result: 'replayed' });
    // The same HMAC spelled in upper case is the same signature.
    const upper = await generic(body, { 'x-signature': `SHA256=${sign(body).toUpperCase()}` });
    expect(upper.json()).toEqual({ result: 'replayed' });
    expect(fetches).toEqual(['webhook:generic']);
    expect(metrics.value('driftless_webhook_requests_total', { source: 'generic', result: 'replayed' })).toBe(2);
    expect(metrics.value('driftless_webhook_requests_total', { source: 'generic', result: 'accepted' })).toBe(1);
  });

  it('accepts a different body, and the same body again once the window has passed', async () => {
    const { fetches, generic, advance } = setup();
    expect((await generic(body)).statusCode).toBe(202);
    expect((await generic(JSON.stringify({ ref: 'refs/heads/main', after: 'b'.repeat(40) }))).statusCode).toBe(202);
    advance(SIGNATURE_REPLAY_WINDOW_MS - 1);
    expect((await generic(body)).json()).toEqual({ result: 'replayed' });
    advance(2);
    expect((await generic(body)).statusCode).toBe(202);
    expect(fetches).toHaveLength(3);
  });

  it('records a signature only after it verified: a forged request cannot block the real one', async () => {
    const { fetches, generic } = setup();
    const forged = await generic(body, { 'x-signature': `sha256=${createHmac('sha256', 'guess').update(body).digest('hex')}` });
    expect(forged.statusCode).toBe(401);
    expect((await generic(body, { 'x-signature': 'sha256=00' })).statusCode).toBe(401);
    expect((await generic(body)).statusCode).toBe(202);
    expect(fetches).toHaveLength(1);
  });

  it('leaves deliveries with ids to the id guard: two ids with the same body both wake us, a repeated id does not', async () => {
    const { fetches, generic } = setup();
    expect((await generic(body, { 'x-delivery-id': 'one' })).statusCode).toBe(202);
    expect((await generic(body, { 'x-delivery-id': 'two' })).statusCode).toBe(202);
    expect((await generic(body, { 'x-delivery-id': 'two' })).json()).toEqual({ result: 'replayed' });
    expect(fetches).toHaveLength(2);
  });

  it('guards the other HMAC receivers the same way when their id header is missing', async () => {
    const { app, fetches } = setup();
    const gitea = () =>
      app.inject({ method: 'POST', url: '/hooks/gitea', headers: { 'content-type': 'application/json', 'x-gitea-event': 'push', 'x-gitea-signature': sign(body) }, payload: body });
    expect((await gitea()).statusCode).toBe(202);
    expect((await gitea()).json()).toEqual({ result: 'replayed' });
    expect(fetches).toEqual(['webhook:gitea']);
  });
});
