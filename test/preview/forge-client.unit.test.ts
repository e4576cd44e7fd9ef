/**
 * The forge clients against the forge emulator, which checks each request the way GitHub, GitLab and Gitea document
 * them (method, path, authentication headers, JSON body): a status per commit, and ONE comment per pull request that
 * later previews edit in place, found by its hidden marker past other people's comments. The token is resolved per
 * request URL, so an operator binding to another URL refuses it before any request is made.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createForgeClient, COMMENT_MARKER, type ForgeName } from '../../src/preview/forge/index.js';
import { startForgeEmulator, type ForgeEmulator } from '../harness/forge-emulator.js';

const TOKEN = 'forge-token-0123456789abcdef';
const SHA = 'a'.repeat(40);
const REPO: Record<ForgeName, string> = { github: 'team/config', gitlab: 'team/infra/config', gitea: 'team/config' };
let emulator: ForgeEmulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const expected = {
  github: {
    headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
    status: `/repos/team/config/statuses/${SHA}`,
    list: '/repos/team/config/issues/7/comments?per_page=100&page=1',
    create: '/repos/team/config/issues/7/comments',
    edit: (id: number) => ['PATCH', `/repos/team/config/issues/comments/${id}`],
    failure: 'failure',
    name: 'context',
  },
  gitlab: {
    headers: { 'private-token': TOKEN },
    status: `/api/v4/projects/team%2Finfra%2Fconfig/statuses/${SHA}`,
    list: '/api/v4/projects/team%2Finfra%2Fconfig/merge_requests/7/notes?per_page=100&page=1',
    create: '/api/v4/projects/team%2Finfra%2Fconfig/merge_requests/7/notes',
    edit: (id: number) => ['PUT', `/api/v4/projects/team%2Finfra%2Fconfig/merge_requests/7/notes/${id}`],
    failure: 'failed',
    name: 'name',
  },
  gitea: {
    headers: { authorization: `token ${TOKEN}` },
    status: `/api/v1/repos/team/config/statuses/${SHA}`,
    list: '/api/v1/repos/team/config/issues/7/comments?page=1&limit=50',
    create: '/api/v1/repos/team/config/issues/7/comments',
    edit: (id: number) => ['PATCH', `/api/v1/repos/team/config/issues/comments/${id}`],
    failure: 'failure',
    name: 'context',
  },
} as const;

describe.each(['github', 'gitlab', 'gitea'] as const)('%s client', (forge) => {
  it('posts statuses and keeps one comment, edited in place, with the documented requests', async () => {
    emulator = await startForgeEmulator(forge, { token: TOKEN, repository: REPO[forge] });
    const asked: string[] = [];
    const client = createForgeClient(forge, {
      api: emulator.api,
      repository: REPO[forge],
      token: async (url) => {
        asked.push(url);
        return TOKEN;
      },
    });
    const e = expected[forge];
    const long = `x${'y'.repeat(300)}`;
    await client.setStatus(SHA, { state: 'failure', description: long, context: 'driftless/preview', targetUrl: 'http://127.0.0.1:1/previews/7' });
    const [status] = emulator.requests;
    expect(status).toMatchObject({ method: 'POST', path: e.status, status: 201, headers: { ...e.headers, 'content-type': 'application/json' } });
    expect(status!.body).toEqual({
      state: e.failure,
      [e.name]: 'driftless/preview',
      description: long.slice(0, forge === 'github' ? 140 : 255),
      target_url: 'http://127.0.0.1:1/previews/7',
    });
    expect(emulator.statuses(SHA)).toEqual([expect.objectContaining({ state: e.failure, context: 'driftless/preview' })]);

    emulator.seedComment(7, 'looks good to me');
    const first = await client.upsertComment(7, `${COMMENT_MARKER}\nplan one`);
    const second = await client.upsertComment(7, `${COMMENT_MARKER}\nplan two`);
    expect(first.created).toBe(true);
    expect(second).toEqual({ id: first.id, created: false });
    expect(emulator.comments(7).map((c) => c.body)).toEqual(['looks good to me', `${COMMENT_MARKER}\nplan two`]);
    const calls = emulator.requests.slice(1).map((r) => [r.method, r.path, r.status]);
    expect(calls).toEqual([
      ['GET', e.list, 200],
      ['POST', e.create, 201],
      ['GET', e.list, 200],
      [...e.edit(Number(first.id)), 200],
    ]);
    for (const r of emulator.requests) expect(r.headers).toMatchObject(e.headers);
    expect(new Set(asked.map((u) => u.startsWith(emulator!.api)))).toEqual(new Set([true]));
  });

  it('a wrong token is refused by the forge and reported as stalled, with no token in the message', async () => {
    emulator = await startForgeEmulator(forge, { token: TOKEN, repository: REPO[forge] });
    const client = createForgeClient(forge, { api: emulator.api, repository: REPO[forge], token: async () => 'wrong-token-value-123' });
    const err = await client.setStatus(SHA, { state: 'success', description: 'ok', context: 'driftless/preview' }).catch((x: unknown) => x);
    expect(err).toMatchObject({ name: 'StalledError', reason: 'AuthenticationFailed' });
    expect(String((err as Error).message)).not.toContain('wrong-token-value-123');
    expect(emulator.statuses(SHA)).toEqual([]);
  });
});
