/**
 * Budgets of the webhook receivers (issue 18.2): requests that fail verification must not use up the budget of
 * verified deliveries, since forges do not retry a 429; every 429 says when to come back.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testServer } from './helpers.js';

const SECRET = 'hook-secret-for-budget-tests';
const push = JSON.stringify({ ref: 'refs/heads/main' });
const signed = { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(push).digest('hex')}` };
const forged = { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` };

function setup(now: () => number) {
  const fetches: string[] = [];
  const app = testServer({ secrets: { github: SECRET }, burst: 3, perSecond: 0.5, requestFetch: (r) => fetches.push(r), now });
  return { app, fetches };
}

describe('webhook budgets', () => {
  it('a flood of forged requests from one address does not block a signed delivery from another', async () => {
    let t = 0;
    const { app, fetches } = setup(() => t);
    const codes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await app.inject({ method: 'POST', url: '/hooks/github', headers: forged, payload: push, remoteAddress: '192.0.2.66' });
      codes.push(res.statusCode);
    }
    expect(codes).toEqual([401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
    const forge = await app.inject({ method: 'POST', url: '/hooks/github', headers: signed, payload: push, remoteAddress: '198.51.100.7' });
    expect(forge.statusCode).toBe(202);
    expect(fetches).toEqual(['webhook:github']);
  });

  it('answers 429 with Retry-After in seconds, for both budgets', async () => {
    let t = 0;
    const { app } = setup(() => t);
    for (let i = 0; i < 3; i++) await app.inject({ method: 'POST', url: '/hooks/github', headers: forged, payload: push, remoteAddress: '192.0.2.66' });
    const prober = await app.inject({ method: 'POST', url: '/hooks/github', headers: forged, payload: push, remoteAddress: '192.0.2.66' });
    expect(prober.statusCode).toBe(429);
    expect(prober.headers['retry-after']).toBe('2');
    const deliveries: number[] = [];
    for (let i = 0; i < 4; i++) {
      const body = JSON.stringify({ ref: 'refs/heads/main', n: i });
      const sig = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
      const res = await app.inject({ method: 'POST', url: '/hooks/github', headers: { ...signed, 'x-hub-signature-256': sig }, payload: body, remoteAddress: '198.51.100.7' });
      deliveries.push(res.statusCode);
      if (res.statusCode === 429) expect(res.headers['retry-after']).toBe('2');
    }
    expect(deliveries).toEqual([202, 202, 202, 429]);
    t += 2000;
    const again = await app.inject({ method: 'POST', url: '/hooks/github', headers: forged, payload: push, remoteAddress: '192.0.2.66' });
    expect(again.statusCode).toBe(401);
  });
});
