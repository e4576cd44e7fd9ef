/**
 * Issue 14, HTTP: the daemon's port is reachable by anyone the operator exposes it to. Headers and bodies are
 * bounded, slow clients are cut off, JSON nesting is bounded, errors never carry stacks or paths, and every answer has
 * the security headers. Real HTTP on an ephemeral loopback port (the slow-client cases need a real socket).
 */
import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testServer } from '../daemon/helpers.js';
import type { ServerDeps } from '../../src/server/index.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function serve(over: Partial<ServerDeps> = {}): Promise<string> {
  app = testServer({ secrets: { generic: 'fuzz-secret-0123456789' }, bodyLimit: 1024 * 1024, ...over });
  return app.listen({ host: '127.0.0.1', port: 0 });
}

/** Sends raw bytes, resolves with everything the server wrote before it closed the connection. */
function raw(url: string, chunks: string[], opts: { endAfter?: boolean } = {}): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let got = '';
    socket.on('data', (d) => (got += d.toString()));
    socket.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve(got) : reject(e)));
    socket.on('close', () => resolve(got));
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
      if (opts.endAfter) socket.end();
    });
  });
}

const sign = (body: string) => `sha256=${createHmac('sha256', 'fuzz-secret-0123456789').update(body).digest('hex')}`;

describe('HTTP limits', () => {
  it('refuses oversized headers with 431 and answers the next request', async () => {
    const url = await serve();
    const res = await raw(url, [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`]);
    expect(res).toMatch(/^HTTP\/1\.1 431/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('cuts off a client that never finishes its headers (slowloris) with 408', async () => {
    const url = await serve({ timeouts: { headersMs: 300, requestMs: 600, checkEveryMs: 50 } });
    const res = await raw(url, ['GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n']);
    expect(res).toMatch(/^HTTP\/1\.1 408/);
  });

  it('cuts off a client that never finishes its body', async () => {
    const url = await serve({ timeouts: { headersMs: 300, requestMs: 600, checkEveryMs: 50 } });
    const res = await raw(url, ['POST /hooks/generic HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"ref":']);
    expect(res).toMatch(/^HTTP\/1\.1 408/);
  });

  it('refuses JSON nested deeper than the bound as a bad request, signed or not, and keeps serving', async () => {
    const url = await serve();
    const body = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const deep = `{"ref":"refs/heads/main","x":${'{"a":'.repeat(100)}1${'}'.repeat(100)}}`;
    for (const b of [body, deep]) {
      const r = await fetch(`${url}/hooks/generic`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': sign(b) }, body: b });
      expect(r.status).toBe(400);
      expect(await r.json()).toEqual({ result: 'bad_request' });
    }
    const ok = '{"ref":"refs/heads/main","a":{"b":[1,{"c":2}]}}';
    expect((await fetch(`${url}/hooks/generic`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': sign(ok) }, body: ok })).status).toBe(202);
  });

  it('answers errors without stacks or internal paths, and with security headers everywhere', async () => {
    const url = await serve({
      read: () => {
        throw new Error(`journal unreadable at ${process.cwd()}/state/journal.json`);
      },
    });
    const r = await fetch(`${url}/status`);
    expect(r.status).toBe(500);
    const text = await r.text();
    expect(JSON.parse(text)).toEqual({ error: 'internal error' });
    for (const path of ['/status', '/healthz', '/nope', '/hooks/generic']) {
      const res = await fetch(`${url}${path}`, path.startsWith('/hooks') ? { method: 'POST', body: 'x' } : {});
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    const bad = await fetch(`${url}/status/${'%'}zz/x`);
    expect(await bad.text()).not.toMatch(/\/work\/|node_modules|at .*\(.*:\d+:\d+\)/);
  });
});
