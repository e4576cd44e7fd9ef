/**
 * /metrics carries the process and runtime metrics prom-client collects (issue 12.8: a well-kept library where it
 * earns its place) next to driftless's own series, for a daemon that asks for them; one-shot commands do not.
 */
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics/index.js';
import { testServer } from './helpers.js';

describe('/metrics', () => {
  it('has resident memory, heap and event-loop lag from prom-client, prefixed driftless_, and the own counters', async () => {
    const metrics = createMetrics({ processMetrics: true });
    metrics.inc('driftless_runs_total', { outcome: 'Succeeded' });
    const res = await testServer({ metrics }).inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/^driftless_runs_total\{outcome="Succeeded"\} 1$/m);
    expect(res.body).toMatch(/^driftless_process_resident_memory_bytes \d+/m);
    expect(res.body).toMatch(/^driftless_nodejs_heap_size_used_bytes \d+/m);
    expect(res.body).toMatch(/^# TYPE driftless_nodejs_eventloop_lag_seconds gauge$/m);
  });

  it('leaves process metrics out unless asked', async () => {
    expect(await createMetrics().render()).not.toMatch(/process_resident_memory_bytes/);
  });
});
