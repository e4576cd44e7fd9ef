/**
 * Pull/merge request deliveries through the real HTTP surface (fastify inject): signed like pushes and checked by the
 * same verification and budgets, read per forge into the event a preview needs (number, head commit, the ref the base
 * repository keeps for it), and filtered: other actions, other base branches, replays and unsigned requests never
 * reach the preview intake; the intake's own refusals (forks, another repository) are answered as such.
 */
import { describe, expect, it } from 'vitest';
import type { PreviewRecord } from '../../src/preview/model.js';
import type { PullRequestEvent } from '../../src/server/pull-request.js';
import { registerSecret } from '../../src/util/sanitize.js';
import type { PreviewIntake } from '../../src/server/webhooks.js';
import { testServer } from '../daemon/helpers.js';
import { CLOSE_ACTION, headRef, prPayload, signedDelivery, SYNC_ACTION, type Forge } from './pr-payloads.js';

const SECRET = 'pr-hook-secret-for-tests';
const SHA = 'b'.repeat(40);

function setup(answer: ReturnType<PreviewIntake['take']> = 'accepted') {
  const taken: PullRequestEvent[] = [];
  const fetches: string[] = [];
  const app = testServer({
    secrets: { github: SECRET, gitlab: SECRET, gitea: SECRET },
    requestFetch: (r) => fetches.push(r),
    previews: {
      take: (e) => {
        taken.push(e);
        return answer;
      },
    },
  });
  const post = (forge: Forge, payload: Record<string, unknown>, over: Record<string, string> = {}, delivery?: string) => {
    const { headers, body } = signedDelivery(forge, SECRET, payload, delivery ? { delivery } : {});
    return app.inject({ method: 'POST', url: `/hooks/${forge}`, headers: { ...headers, ...over }, payload: body });
  };
  return { app, taken, fetches, post };
}

describe.each(['github', 'gitlab', 'gitea'] as const)('%s pull request deliveries', (forge) => {
  it('a signed push to a pull request queues a preview of its head ref and never a reconcile', async () => {
    const { taken, fetches, post } = setup();
    const res = await post(forge, prPayload(forge, { number: 7, sha: SHA, action: SYNC_ACTION[forge] }));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ result: 'preview_accepted', number: 7, commit: SHA });
    expect(taken).toEqual([expect.objectContaining({ forge, number: 7, headSha: SHA, fetchRef: headRef(forge, 7), baseBranch: 'main', action: 'preview', fromFork: false })]);
    expect(fetches).toEqual([]);
  });

  it('unsigned, other actions, other base branches and replays reach nothing; closing is passed on', async () => {
    const { taken, post } = setup();
    const payload = prPayload(forge, { number: 7, sha: SHA });
    const badAuth: Record<string, string> = forge === 'gitlab' ? { 'x-gitlab-token': 'wrong' } : forge === 'github' ? { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` } : { 'x-gitea-signature': '0'.repeat(64) };
    expect((await post(forge, payload, badAuth)).statusCode).toBe(401);
    const labeled = await post(forge, prPayload(forge, { number: 7, sha: SHA, action: forge === 'gitlab' ? 'approved' : 'labeled' }));
    expect([labeled.statusCode, labeled.json().result]).toEqual([200, 'ignored_event']);
    const other = await post(forge, prPayload(forge, { number: 7, sha: SHA, base: 'release' }));
    expect(other.json()).toEqual({ result: 'ignored_branch', ref: 'release' });
    expect(taken).toEqual([]);
    expect((await post(forge, payload, {}, 'delivery-1')).statusCode).toBe(202);
    expect((await post(forge, payload, {}, 'delivery-1')).json()).toEqual({ result: 'replayed' });
    expect(taken).toHaveLength(1);
    await post(forge, prPayload(forge, { number: 7, sha: SHA, action: CLOSE_ACTION[forge] }));
    expect(taken[1]).toMatchObject({ action: 'close', number: 7 });
  });

  it('a fork is marked as one, and the intake refusing it is answered 200 with the reason', async () => {
    const { taken, post } = setup('ignored_fork');
    const res = await post(forge, prPayload(forge, { number: 3, sha: SHA, fork: true }));
    expect([res.statusCode, res.json()]).toEqual([200, { result: 'ignored_fork', number: 3 }]);
    expect(taken[0]).toMatchObject({ fromFork: true });
  });

  it('a payload without a head commit is a bad request', async () => {
    const { taken, post } = setup();
    const payload = prPayload(forge, { number: 7, sha: 'not-a-sha' });
    const res = await post(forge, payload);
    expect(res.statusCode).toBe(400);
    expect(taken).toEqual([]);
  });
});

it('without previews (a directory source) pull request deliveries are ignored events', async () => {
  const app = testServer({ secrets: { github: SECRET } });
  const { headers, body } = signedDelivery('github', SECRET, prPayload('github', { number: 1, sha: SHA }));
  const res = await app.inject({ method: 'POST', url: '/hooks/github', headers, payload: body });
  expect(res.json()).toEqual({ result: 'ignored_event', event: 'pull_request' });
});

describe('GET /previews', () => {
  const record = (n: number, line: string): PreviewRecord => ({
    number: n,
    forge: 'github',
    headSha: SHA,
    fetchRef: `refs/pull/${n}/head`,
    baseBranch: 'main',
    state: 'success',
    summary: 'Plan: 1 to create',
    problems: [],
    lines: ['driftless plan at revision x', line],
    tasks: [],
    prune: [],
    requestedAt: '2026-12-05T00:00:00.000Z',
    published: {},
  });
  const reads = { list: () => [record(9, 'b'), record(8, 'a')], get: (n: number) => (n === 8 ? record(8, `token ${CANARY} here`) : undefined) };
  const CANARY = 'canary-secret-value-0123456789';

  it('lists previews without their text, answers one with it, masked; needs the token when one is set', async () => {
    registerSecret(CANARY);
    const app = testServer({ previewReads: reads, httpToken: 'http-token-0123456789abcdef' });
    const auth = { authorization: 'Bearer http-token-0123456789abcdef' };
    expect((await app.inject({ method: 'GET', url: '/previews' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/previews/8' })).statusCode).toBe(401);
    const list = await app.inject({ method: 'GET', url: '/previews', headers: auth });
    expect(list.json().previews.map((p: PreviewRecord) => [p.number, 'lines' in p])).toEqual([[9, false], [8, false]]);
    const one = await app.inject({ method: 'GET', url: '/previews/8', headers: auth });
    expect(one.json().lines[1]).toBe('token *** here');
    expect(one.body).not.toContain(CANARY);
    expect((await app.inject({ method: 'GET', url: '/previews/7', headers: auth })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/previews/..%2Fstatus', headers: auth })).statusCode).toBe(404);
  });
});
