/**
 * Access to the whole HTTP surface, dashboard included: every route the running server has (read from fastify's
 * own route table, so a route added later is covered without editing this test) answers 401 without credentials,
 * except the webhook receivers and the probes; basic credentials from a secret reference work like the token; TLS
 * from certificate and key references serves the same surface over HTTPS. Real daemons, real HTTP on 127.0.0.1.
 */
import { execFileSync } from 'node:child_process';
import { request } from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/index.js';
import { OPEN_ROUTES } from '../../src/server/auth.js';
import { startDaemon, type Daemon } from '../../src/reconcile/daemon.js';
import { createLogger } from '../../src/util/logger.js';
import { tempDir } from '../harness/tmp.js';

const TOKEN = 'access-token-0123456789abcdef';
const PASSWORD = 'basic-password-0123456789';
const daemons: Daemon[] = [];
afterAll(async () => {
  for (const d of daemons) await d.stop();
});

async function daemon(http: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<Daemon> {
  const repo = tempDir('access-repo');
  writeFileSync(join(repo, 'driftless.yaml'), 'apiVersion: driftless.dev/v1\n');
  const config = loadDaemonConfig({
    env,
    flags: { repo, interval: '1h', driftInterval: '0s', listen: '127.0.0.1:0', stateDir: tempDir('access-state'), watch: false, http },
  });
  const d = await startDaemon(config, { logger: createLogger({ level: 'silent' }), env: { ...process.env, ...env } });
  daemons.push(d);
  return d;
}

/** Every (method, path) of fastify's route tree, parameters filled with `x`. */
export function routesOf(tree: string): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  const stack: string[] = [''];
  for (const line of tree.split('\n')) {
    const m = /^([│├└─ ]*)(\S.*?) \(([^)]+)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const path = `${stack[depth - 1] ?? ''}${m[2]!}`;
    stack[depth] = path;
    for (const method of m[3]!.split(', ')) out.push({ method, path: path.replace(/:[a-z]+/gi, 'x') });
  }
  return out;
}

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('credentials on the whole HTTP surface', () => {
  it('without credentials every route but webhooks and /healthz answers 401 (/readyz included), dashboard and event stream included', async () => {
    const d = await daemon({ token: { env: 'ACCESS_TOKEN' } }, { ACCESS_TOKEN: TOKEN });
    const routes = routesOf(d.server.printRoutes({ commonPrefix: false })).filter((r) => r.method !== 'HEAD');
    const paths = routes.map((r) => r.path);
    for (const p of ['/readyz', '/', '/ui/', '/ui/events', '/ui/resources/x/x', '/ui/deployment-engine', '/status', '/runs', '/metrics', '/deployment-engine/status']) expect(paths).toContain(p);
    let closed = 0;
    for (const r of routes) {
      const res = await fetch(`${d.url}${r.path}`, { method: r.method, redirect: 'manual', ...(r.method === 'GET' ? {} : { body: '{}' }) });
      const open = OPEN_ROUTES.has(r.path);
      if (open) expect(res.status, `${r.method} ${r.path}`).not.toBe(401);
      else {
        expect(res.status, `${r.method} ${r.path}`).toBe(401);
        closed += 1;
      }
      await res.arrayBuffer();
    }
    expect(closed).toBeGreaterThan(15);
    expect([...OPEN_ROUTES].sort()).toEqual(['/healthz', '/hooks/generic', '/hooks/gitea', '/hooks/github', '/hooks/gitlab']);
    const ok = await fetch(`${d.url}/ui/`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('<h1>Overview</h1>');
  });

  it('basic credentials from a secret reference open the dashboard; a browser is asked for them (Basic challenge first)', async () => {
    const file = join(tempDir('access-basic'), 'password');
    writeFileSync(file, `${PASSWORD}\n`, { mode: 0o600 });
    const d = await daemon({ token: { env: 'ACCESS_TOKEN' }, basicAuth: { username: 'ops', password: { file } } }, { ACCESS_TOKEN: TOKEN });
    const denied = await fetch(`${d.url}/ui/`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toMatch(/^Basic realm="driftless".*Bearer realm="driftless"$/);
    for (const auth of [basic('ops', 'wrong-password-0123456789'), basic('root', PASSWORD), basic('ops', `${PASSWORD}x`), 'Basic !!!']) {
      expect((await fetch(`${d.url}/status`, { headers: { authorization: auth } })).status, auth).toBe(401);
    }
    expect((await fetch(`${d.url}/ui/`, { headers: { authorization: basic('ops', PASSWORD) } })).status).toBe(200);
    expect((await fetch(`${d.url}/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    await expect(daemon({ basicAuth: { username: 'ops', password: { env: 'SHORT' } } }, { SHORT: 'short' })).rejects.toThrow(/http\.basicAuth\.password: .*at least 16/);
  });

  it('TLS from certificate and key references: HTTPS with the configured certificate, HTTP refused', async () => {
    const dir = tempDir('access-tls');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const d = await daemon({ token: { env: 'ACCESS_TOKEN' }, tls: { cert: { file: join(dir, 'cert.pem') }, key: { file: join(dir, 'key.pem') } } }, { ACCESS_TOKEN: TOKEN });
    expect(d.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = execFileSync('cat', [join(dir, 'cert.pem')]).toString();
    const get = (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${d.url}${path}`, { ca, headers }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    expect((await get('/ui/')).status).toBe(401);
    const page = await get('/ui/', { authorization: `Bearer ${TOKEN}` });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Overview</h1>');
    expect((await get('/healthz')).status).toBe(200);
    await expect(fetch(d.url.replace('https:', 'http:') + '/healthz').then((r) => r.status)).rejects.toThrow();
  });
});
