/**
 * Webhook fuzzing shared by the CI test (a few hundred requests) and bench/security-figures.ts (10,000): fast-check
 * generates deliveries to all four receivers with valid and invalid signatures (wrong secret, garbage, missing,
 * truncated, signed over another body), bodies of every shape (push payloads, random text and bytes, invalid UTF-8,
 * form encoding, deep nesting, oversized) and assorted content types and content encodings, events and delivery ids; each is sent over
 * real HTTP to a server on loopback. The oracle is independent of the server: a delivery may be accepted (202) only
 * if the generator signed exactly that body with the right secret. Any 5xx or dropped connection is a crash.
 */
import { createHmac, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { buildServer, createMetrics } from '../../src/server/index.js';
import { emptyJournal } from '../../src/journal/types.js';
import { createLogger } from '../../src/util/logger.js';

export const FUZZ_SECRET = 'fuzz-webhook-secret-7f3a9c';
const SOURCES = ['github', 'gitlab', 'gitea', 'generic'] as const;
type Source = (typeof SOURCES)[number];
type SigMode = 'valid' | 'wrong-secret' | 'garbage' | 'missing' | 'truncated' | 'other-body';

export interface FuzzCase {
  source: Source;
  sig: SigMode;
  body: Uint8Array;
  contentType: string | undefined;
  event: string | undefined;
  deliveryId: 'fresh' | 'fixed' | 'none';
  extra: [string, string][];
}

const BODY_LIMIT = 64 * 1024;

const pushBody = fc
  .record({ ref: fc.constantFrom('refs/heads/main', 'refs/heads/dev', 'refs/heads/driftless/status', 'refs/tags/main', 'main', ''), after: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 40 }) })
  .map((p) => new TextEncoder().encode(JSON.stringify(p)));
const bodies: fc.Arbitrary<Uint8Array> = fc.oneof(
  pushBody,
  pushBody.map((b) => new TextEncoder().encode(`payload=${encodeURIComponent(new TextDecoder().decode(b))}`)),
  fc.string({ maxLength: 300 }).map((s) => new TextEncoder().encode(s)),
  fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => new TextEncoder().encode(JSON.stringify({ ref: s }))),
  fc.uint8Array({ maxLength: 2048 }),
  fc.constant(Uint8Array.from([0x7b, 0x22, 0x72, 0xff, 0xfe, 0x22, 0x7d])),
  fc.integer({ min: 30, max: 50_000 }).map((n) => new TextEncoder().encode(`${'['.repeat(n)}${']'.repeat(n)}`)),
  fc.integer({ min: BODY_LIMIT + 1, max: BODY_LIMIT * 3 }).map((n) => new Uint8Array(n).fill(0x61)),
  fc.jsonValue({ maxDepth: 6 }).map((v) => new TextEncoder().encode(JSON.stringify(v) ?? 'null')),
);

export const fuzzCases: fc.Arbitrary<FuzzCase> = fc.record({
  source: fc.constantFrom(...SOURCES),
  sig: fc.constantFrom<SigMode>('valid', 'valid', 'wrong-secret', 'garbage', 'missing', 'truncated', 'other-body'),
  body: bodies,
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', undefined),
  event: fc.constantFrom('push', 'ping', 'Push Hook', 'Tag Push Hook', 'issues', '', undefined),
  deliveryId: fc.constantFrom<'fresh' | 'fixed' | 'none'>('fresh', 'fixed', 'none'),
  extra: fc.array(
    fc.oneof(
      fc.tuple(fc.constantFrom('x-forwarded-for', 'x-hub-signature', 'user-agent', 'x-extra'), fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s))),
      fc.tuple(fc.constant('content-encoding'), fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'x-unknown')),
    ),
    { maxLength: 3 },
  ),
});

const hmac = (alg: 'sha256' | 'sha512', secret: string, body: Uint8Array) => createHmac(alg, secret).update(body).digest('hex');

function headersFor(c: FuzzCase): Record<string, string> {
  const h: Record<string, string> = {};
  for (const [k, v] of c.extra) h[k] = v;
  if (c.contentType) h['content-type'] = c.contentType;
  const secret = c.sig === 'wrong-secret' ? `${FUZZ_SECRET}x` : FUZZ_SECRET;
  const signed = c.sig === 'other-body' ? new TextEncoder().encode('{"ref":"refs/heads/main"}') : c.body;
  let mac = hmac('sha256', secret, signed);
  if (c.sig === 'garbage') mac = 'zz'.repeat(32);
  if (c.sig === 'truncated') mac = mac.slice(0, 40);
  const present = c.sig !== 'missing';
  const id = c.deliveryId === 'fresh' ? randomUUID() : c.deliveryId === 'fixed' ? 'fixed-delivery-id' : undefined;
  switch (c.source) {
    case 'github':
      if (present) h['x-hub-signature-256'] = `sha256=${mac}`;
      if (c.event !== undefined) h['x-github-event'] = c.event;
      if (id) h['x-github-delivery'] = id;
      break;
    case 'gitlab':
      if (present) h['x-gitlab-token'] = c.sig === 'valid' || c.sig === 'other-body' ? FUZZ_SECRET : c.sig === 'truncated' ? FUZZ_SECRET.slice(0, 10) : c.sig === 'garbage' ? 'garbage' : secret;
      if (c.event !== undefined) h['x-gitlab-event'] = c.event;
      if (id) h['x-gitlab-event-uuid'] = id;
      break;
    case 'gitea':
      if (present) h['x-gitea-signature'] = mac;
      if (c.event !== undefined) h['x-gitea-event'] = c.event;
      if (id) h['x-gitea-delivery'] = id;
      break;
    case 'generic':
      if (present) h['x-signature'] = `sha256=${mac}`;
      if (id) h['x-delivery-id'] = id;
      break;
  }
  return h;
}

/** Whether the generator produced a request the forge itself could have sent (the only kind that may be accepted). */
export function genuinelySigned(c: FuzzCase): boolean {
  return c.sig === 'valid' || (c.source === 'gitlab' && c.sig === 'other-body');
}

export interface FuzzFigures {
  requests: number;
  accepted: number;
  wronglyAccepted: number;
  crashes: number;
  byStatus: Record<string, number>;
  examples: string[];
}

export async function startFuzzServer(): Promise<{ app: FastifyInstance; url: string }> {
  const app = buildServer({
    secrets: { github: FUZZ_SECRET, gitlab: FUZZ_SECRET, gitea: FUZZ_SECRET, generic: FUZZ_SECRET },
    bodyLimit: BODY_LIMIT,
    burst: 1e9,
    perSecond: 1e9,
    replayWindowMs: 60_000,
    branch: 'main',
    statusBranch: () => 'driftless/status',
    requestFetch: () => undefined,
    metrics: createMetrics(),
    logger: createLogger({ level: 'silent' }),
    read: emptyJournal,
    live: () => ({ description: 'fuzz', branch: 'main', ready: true, running: false }),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url };
}

/** Sends `count` generated deliveries (seeded) and tallies the outcome. */
export async function fuzzWebhooks(url: string, count: number, seed: number): Promise<FuzzFigures> {
  const figures: FuzzFigures = { requests: 0, accepted: 0, wronglyAccepted: 0, crashes: 0, byStatus: {}, examples: [] };
  const cases = fc.sample(fuzzCases, { numRuns: count, seed });
  let i = 0;
  const worker = async () => {
    while (i < cases.length) {
      const c = cases[i++] as FuzzCase;
      figures.requests++;
      let status: number;
      try {
        const res = await fetch(`${url}/hooks/${c.source}`, { method: 'POST', headers: headersFor(c), body: Buffer.from(c.body) });
        status = res.status;
        await res.arrayBuffer();
      } catch (err) {
        figures.crashes++;
        if (figures.examples.length < 5) figures.examples.push(`${c.source} ${c.sig}: ${(err as Error).message}`);
        continue;
      }
      figures.byStatus[status] = (figures.byStatus[status] ?? 0) + 1;
      if (status >= 500) figures.crashes++;
      if (status === 202) {
        figures.accepted++;
        if (!genuinelySigned(c)) {
          figures.wronglyAccepted++;
          if (figures.examples.length < 5) figures.examples.push(`accepted ${c.source} ${c.sig} body=${Buffer.from(c.body).toString('base64').slice(0, 60)}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const health = await fetch(`${url}/healthz`).catch(() => undefined);
  if (health?.status !== 200) figures.crashes++;
  return figures;
}
