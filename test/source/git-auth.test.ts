/**
 * Git source credentials against a real smart-HTTP server with basic auth: good credentials work with one request
 * per poll (pre-emptive auth), wrong ones fail fast as stalled AuthenticationFailed without leaking the secret.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describe as describeError, StalledError } from '../../src/errors.js';
import { createGitSource } from '../../src/source/git.js';
import { openSource } from '../../src/source/index.js';
import { registerSecret } from '../../src/util/sanitize.js';
import { commitAll, git, initWorkRepo, push, revParse } from '../harness/git-cli.js';
import { startGitServer, type GitServer } from '../harness/git-server.js';
import { tempDir } from '../harness/tmp.js';

const USER = 'deployer';
const PASSWORD = 'correct-horse-battery-staple';
let server: GitServer;
let work: string;
let url: string;

beforeAll(async () => {
  server = await startGitServer({ auth: { username: USER, password: PASSWORD } });
  await server.createBareRepo('private.git');
  url = server.url('private.git');
  work = tempDir('auth-work');
  await initWorkRepo(work);
  await writeFile(join(work, 'driftless.yaml'), 'apiVersion: driftless.dev/v1\n');
  await commitAll(work, 'initial');
  const authed = url.replace('http://', `http://${USER}:${PASSWORD}@`);
  await push(work, authed, 'main');
});

afterAll(async () => {
  await server.dispose();
});

describe('git source auth', () => {
  it('refuses anonymous access with 401 and WWW-Authenticate', async () => {
    const res = await fetch(`${url}/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    const anon = createGitSource({ url, cacheDir: tempDir('anon') });
    await expect(anon.fetch()).rejects.toMatchObject({ reason: 'AuthenticationFailed' });
  });

  it('fetches with username and password, one request per poll', async () => {
    const source = createGitSource({ url, cacheDir: tempDir('auth-ok'), auth: { username: USER, password: PASSWORD } });
    const rev = await source.fetch();
    expect(rev.commit).toBe(await revParse(work, 'HEAD'));
    expect(rev.url).toBe(url);
    const before = server.requests.length;
    expect(await source.lsRemote()).toBe(rev.commit);
    expect(server.requests.slice(before).map((r) => r.status)).toEqual([200]);
  });

  it('accepts a token as GitHub-style basic auth through openSource and secret refs', async () => {
    const tokenServer = await startGitServer({ auth: { username: 'x-access-token', password: 'tok-123456' } });
    try {
      const bare = await tokenServer.createBareRepo('t.git');
      await git(work, 'push', '--quiet', bare, 'HEAD:refs/heads/main');
      process.env.DRIFTLESS_TEST_TOKEN = 'tok-123456';
      const secrets = { resolve: async (ref: { env: string } | { file: string }) => process.env[(ref as { env: string }).env] ?? '' };
      const source = await openSource(
        { type: 'git', url: tokenServer.url('t.git'), auth: { token: { env: 'DRIFTLESS_TEST_TOKEN' } } },
        { cacheDir: tempDir('token'), secrets },
      );
      expect(source.describe()).toBe(`git ${tokenServer.url('t.git')}#main`);
      expect((await source.fetch()).commit).toBe(await revParse(work, 'HEAD'));
    } finally {
      await tokenServer.dispose();
    }
  });

  it('fails fast on a wrong password: stalled AuthenticationFailed, secret not in the message', async () => {
    const wrong = 'wrong-password-987';
    registerSecret(wrong);
    const source = createGitSource({ url, cacheDir: tempDir('auth-bad'), auth: { username: USER, password: wrong } });
    const before = server.requests.length;
    const err = await source.fetch().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StalledError);
    expect(err).toMatchObject({ reason: 'AuthenticationFailed' });
    expect((err as Error).message).not.toContain(wrong);
    expect((err as Error).message).toContain(url);
    // What an operator reads (issue 18.8): the refusal and what to check, not isomorphic-git's "operation was canceled".
    expect(describeError(err)).toBe(`ls-remote of ${url}#main: authentication failed (401): the server refused the credentials; check the secret the source uses`);
    expect(server.requests.length - before).toBeLessThanOrEqual(3);
    expect(server.requests.slice(before).every((r) => r.status === 401)).toBe(true);
  });

  it('strips credentials embedded in the URL from revisions and messages', async () => {
    const withCreds = url.replace('http://', `http://${USER}:${PASSWORD}@`);
    const source = createGitSource({ url: withCreds, cacheDir: tempDir('auth-url') });
    const rev = await source.fetch();
    expect(rev.url).not.toContain(PASSWORD);
    expect(source.url).not.toContain(PASSWORD);
    await server.stop();
    try {
      const err = await source.fetch().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err?.message).toMatch(/SourceUnavailable|ECONNREFUSED|fetch|ls-remote/);
      expect(err?.message).not.toContain(PASSWORD);
    } finally {
      await server.restart();
    }
  });
});
