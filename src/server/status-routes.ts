/**
 * Read-only HTTP: health, readiness, status, run history and metrics. No route changes anything, and every answer
 * passes the sanitiser (runs and statuses never hold secret values, but URLs in messages could carry credentials).
 */
import type { FastifyInstance } from 'fastify';
import type { JournalData } from '../journal/types.js';
import { buildStatusView, summariseRun, viewResource, type LiveState } from '../report/view.js';
import { sanitizeDeep } from '../util/sanitize.js';
import type { Gauge, Metrics } from '../metrics/index.js';

export interface StatusDeps {
  read: () => JournalData;
  live: () => LiveState;
  metrics: Metrics;
}

function resourceGauge(data: JournalData): Gauge {
  const counts = new Map<string, { kind: string; ready: string; n: number }>();
  for (const s of Object.values(data.statuses)) {
    const v = viewResource(s);
    const id = `${v.kind}\0${v.state}`;
    const cur = counts.get(id) ?? { kind: v.kind, ready: v.state, n: 0 };
    cur.n += 1;
    counts.set(id, cur);
  }
  return {
    name: 'driftless_resources',
    help: 'Resources by kind and readiness (Ready, Stalled, NotReady).',
    samples: [...counts.values()].map((c) => ({ labels: { kind: c.kind, ready: c.ready }, value: c.n })),
  };
}

export function registerStatusRoutes(app: FastifyInstance, deps: StatusDeps): void {
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const live = deps.live();
    return reply.code(live.ready ? 200 : 503).send({ ready: live.ready, ...(live.ha ? { ha: live.ha } : {}) });
  });
  app.get('/status', async () => buildStatusView(deps.read(), deps.live()));
  app.get<{ Params: { kind: string; name: string } }>('/status/:kind/:name', async (req, reply) => {
    const data = deps.read();
    const key = `${req.params.kind}/${req.params.name}`;
    const status = data.statuses[key];
    if (!status) return reply.code(404).send({ error: `no status for ${key}` });
    const inv = data.inventory[key];
    return sanitizeDeep({
      ...viewResource(status),
      conditions: status.conditions,
      ...(status.observedDigest ? { observedDigest: status.observedDigest } : {}),
      ...(status.details ? { details: status.details } : {}),
      ...(inv ? { inventory: { digest: inv.digest, revision: inv.revision, appliedAt: inv.appliedAt } } : {}),
    });
  });
  // The running run first, as `Running` with its progress: it reaches the journal only when it ends.
  app.get('/runs', async () => {
    const current = deps.live().current;
    const running = current ? [sanitizeDeep({ ...current, outcome: 'Running' })] : [];
    return { runs: [...running, ...deps.read().runs.map(summariseRun)] };
  });
  app.get<{ Params: { id: string } }>('/runs/:id', async (req, reply) => {
    const run = deps.read().runs.find((r) => r.id === req.params.id);
    if (!run) return reply.code(404).send({ error: `no run ${req.params.id}` });
    return sanitizeDeep(run);
  });
  app.get('/metrics', async (_req, reply) => {
    const data = deps.read();
    const live = deps.live();
    const gauges: Gauge[] = [
      resourceGauge(data),
      { name: 'driftless_ready', help: 'One once the first run finished (its outcome is in the status).', samples: [{ labels: {}, value: live.ready ? 1 : 0 }] },
      {
        name: 'driftless_source_up',
        help: 'One while the Git source answers.',
        samples: [{ labels: {}, value: data.sourceStatus?.ok === false ? 0 : 1 }],
      },
    ];
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(await deps.metrics.render(gauges));
  });
}
