/**
 * The HTTP surface is safe by construction: loopback by default, a bearer token (a secret reference in the daemon's
 * settings) on every route but webhooks, /healthz and /readyz, and a non-loopback listen address without a token
 * refused at start unless the operator opts out. Real daemons on 127.0.0.1 with real HTTP, the real CLI for start-up.
 */
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadDaemonConfig } from '../../src/config/index.js';
import { isLoopback } from '../../src/config/http.js';
import { startDaemon, type Daemon } from '../../src/reconcile/daemon.js';
import { createLogger } from '../../src/util/logger.js';
import { runCli } from '../harness/cli.js';
import { tempDir } from '../harness/tmp.js';

const TOKEN = 'http-token-0123456789abcdef';
const HOOK = 'hook-secret-for-auth-tests';
const daemons: Daemon[] = [];

afterAll(async () => {
  for (const d of daemons) await d.stop();
});

async function daemon(flags: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): Promise<Daemon> {
  const repo = tempDir('auth-repo');
  writeFileSync(join(repo, 'driftless.yaml'), 'apiVersion: driftless.dev/v1\n');
  const config = loadDaemonConfig({
    env,
    flags: { repo, interval: '1h', driftInterval: '0s', listen: '127.0.0.1:0', stateDir: tempDir('auth-state'), watch: false, ...flags },
  });
  const d = await startDaemon(config, { logger: createLogger({ level: 'silent' }), env: { ...process.env, ...env } });
  daemons.push(d);
  return d;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('bearer token on the HTTP surface', () => {
  it('status, runs, metrics, Deployment Engine and unknown paths need the token; 401 says Bearer', async () => {
    const d = await daemon({ http: { token: { env: 'AUTH_TEST_TOKEN' } } }, { AUTH_TEST_TOKEN: TOKEN });
    for (const path of ['/status', '/runs', '/runs/x', '/metrics', '/status/Host/a', '/deployment-engine/download/nats_0.log', '/nope', '/healthz/../status', '//status']) {
      for (const auth of [undefined, 'Bearer wrong-token-0123456789', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`, 'Bearer ']) {
        const res = await fetch(`${d.url}${path}`, { headers: auth ? { authorization: auth } : {} });
        expect(res.status, `${path} with ${auth}`).toBe(401);
        expect(res.headers.get('www-authenticate'), path).toMatch(/^Bearer/);
        expect(await res.text()).not.toContain(TOKEN);
      }
    }
    for (const auth of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`]) {
      const res = await fetch(`${d.url}/status`, { headers: { authorization: auth } });
      expect(res.status).toBe(200);
    }
    expect((await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('/healthz and webhooks answer without it (a webhook still checks its own signature); /readyz needs it', async () => {
    const d = await daemon(
      { http: { token: { env: 'AUTH_TEST_TOKEN' } }, webhooks: { generic: { secret: { env: 'AUTH_TEST_HOOK' } } } },
      { AUTH_TEST_TOKEN: TOKEN, AUTH_TEST_HOOK: HOOK },
    );
    expect((await fetch(`${d.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${d.url}/readyz`)).status).toBe(401);
    expect([200, 503]).toContain((await fetch(`${d.url}/readyz`, { headers: { authorization: `Bearer ${TOKEN}` } })).status);
    const body = JSON.stringify({ ref: 'refs/heads/other' });
    const signed = await fetch(`${d.url}/hooks/generic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': `sha256=${createHmac('sha256', HOOK).update(body).digest('hex')}` },
      body,
    });
    expect(signed.status).toBe(200);
    const forged = await fetch(`${d.url}/hooks/generic`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': 'sha256=00' }, body });
    expect(forged.status).toBe(401);
  });

  it('a token file ending in a newline works; a short token is refused at start', async () => {
    const file = join(tempDir('auth-token'), 'token');
    writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
    const d = await daemon({ http: { token: { file } } });
    expect((await fetch(`${d.url}/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    await expect(daemon({ http: { token: { env: 'AUTH_SHORT' } } }, { AUTH_SHORT: 'short' })).rejects.toThrow(/http\.token: .*at least 16/);
  });
});

describe('listen address and token at start', () => {
  const GIT = 'http://127.0.0.1:1/config.git';

  it('a non-loopback address without a token is a config problem that says why and how to fix it', () => {
    for (const listen of ['0.0.0.0:8080', '[::]:8080', '10.0.0.5:8080', 'daemon.example:8080']) {
      const problems = problemsOf(() => loadDaemonConfig({ env: {}, flags: { repo: GIT, listen } }));
      expect(problems, listen).toHaveLength(1);
      expect(problems[0]).toMatch(/^listen: .* is reachable from other machines and no http\.token is set: .*http\.insecure: true/);
    }
    const fromEnv = problemsOf(() => loadDaemonConfig({ env: { DRIFTLESS_LISTEN: '0.0.0.0:8080' }, flags: { repo: GIT } }));
    expect(fromEnv[0]).toContain('(listen from env DRIFTLESS_LISTEN)');
  });

  it('loopback, a token (env, file or flag) or the explicit opt-out is accepted', () => {
    for (const listen of ['127.0.0.1:8080', '127.9.9.9:1', 'localhost:8080', '[::1]:8080']) {
      expect(loadDaemonConfig({ env: {}, flags: { repo: GIT, listen } }).listen.port).toBeGreaterThan(0);
    }
    const env = loadDaemonConfig({ env: { DRIFTLESS_LISTEN: '0.0.0.0:8080', DRIFTLESS_HTTP_TOKEN_ENV: 'T' }, flags: { repo: GIT } });
    expect(env.http).toEqual({ token: { env: 'T' }, insecure: false });
    const file = loadDaemonConfig({ env: { DRIFTLESS_HTTP_TOKEN_FILE: '/run/secrets/t' }, flags: { repo: GIT, listen: '0.0.0.0:1' } });
    expect(file.http.token).toEqual({ file: '/run/secrets/t' });
    const optOut = loadDaemonConfig({ env: { DRIFTLESS_HTTP_INSECURE: 'true' }, flags: { repo: GIT, listen: '0.0.0.0:1' } });
    expect(optOut.http).toEqual({ insecure: true });
    const dir = tempDir('auth-config');
    const cfg = join(dir, 'daemon.yaml');
    writeFileSync(cfg, `repo: ${GIT}\nlisten: 0.0.0.0:8080\nhttp:\n  token: { env: FROM_FILE }\n`);
    // the file's token and the environment's opt-out merge: http is one mapping across layers
    expect(loadDaemonConfig({ file: cfg, env: { DRIFTLESS_HTTP_INSECURE: 'yes' } }).http).toEqual({ token: { env: 'FROM_FILE' }, insecure: true });
    expect(problemsOf(() => loadDaemonConfig({ env: {}, flags: { repo: GIT, http: { token: 'plain-text-token-value' } } }))[0]).toMatch(/^http\/token|^http\.token/);
  });

  it.each([
    ['127.0.0.1', true],
    ['127.255.0.1', true],
    ['::1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['::', false],
    ['::ffff:10.0.0.1', false],
    ['128.0.0.1', false],
    ['localhost.evil.example', false],
  ])('isLoopback(%s) = %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });

  it('the real CLI refuses 0.0.0.0 without a token: exit 2, the reason on stderr', async () => {
    const repo = tempDir('auth-cli-repo');
    writeFileSync(join(repo, 'driftless.yaml'), 'apiVersion: driftless.dev/v1\n');
    const r = await runCli(['serve', '--repo', repo, '--listen', '0.0.0.0:0', '--state-dir', tempDir('auth-cli-state')], {
      // from the sources: a bundle in a node_modules shared by several checkouts finds the schemas/ of another one
      env: { DRIFTLESS_NO_BUNDLE: '1' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/listen: 0\.0\.0\.0 is reachable from other machines and no http\.token is set/);
  });
});
