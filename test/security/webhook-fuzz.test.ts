/**
 * Issue 14: fuzzed webhooks (200 here; 10,000 in bench/security-figures.ts) over real HTTP: none accepted unless the
 * generator signed exactly that body with the receiver's secret, no 5xx, no dropped connection, and the server still
 * answers afterwards. Genuine pushes to the watched branch do get through (the oracle is not vacuous).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { fuzzWebhooks, startFuzzServer } from './webhook-fuzz.js';

let server: { app: FastifyInstance; url: string };
beforeAll(async () => {
  server = await startFuzzServer();
});
afterAll(async () => {
  await server.app.close();
});

describe('webhook fuzzing', () => {
  it('200 generated deliveries: 0 wrongly accepted, 0 crashes, some genuinely accepted', async () => {
    const f = await fuzzWebhooks(server.url, 200, 14);
    expect(f.examples).toEqual([]);
    expect(f.wronglyAccepted).toBe(0);
    expect(f.crashes).toBe(0);
    expect(f.requests).toBe(200);
    expect(f.accepted).toBeGreaterThan(0);
    expect(Object.keys(f.byStatus).sort()).toEqual(expect.arrayContaining(['202', '401']));
  });
});
