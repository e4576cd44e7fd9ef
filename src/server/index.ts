/**
 * The daemon's HTTP surface: webhooks that only ask for a fetch, and read-only status. `buildServer` returns a
 * fastify instance without listening, so tests drive it with real HTTP on an ephemeral port or with inject().
 */
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { registerHttpAuth, type BasicCredentials } from './auth.js';
import { registerStatusRoutes, type StatusDeps } from './status-routes.js';
import { registerWebhooks, type WebhookDeps } from './webhooks.js';
import { registerDeploymentEngineRoutes } from './routes/deployment-engine.js';
import { registerPreviewRoutes, type PreviewReadModel } from './preview-routes.js';
import type { DeploymentReadModel } from '../model/deployment-view.js';
import { createDashboardFeed, type DashboardFeed } from './dashboard/feed.js';
import { registerDashboard } from './dashboard/routes.js';
import { harden, serverLimits, type HttpTimeouts } from './hardening.js';
import type { PreviewsOff } from './dashboard/previews.js';

export type { Metrics } from '../metrics/index.js';
export { createMetrics } from '../metrics/index.js';

/**
 * `deployments` (optional) enables the Deployment Engine routes over CFDeployment observations (a read model on the
 * state store); `previews` + `previewReads` (optional) take pull request webhooks and serve `/previews`; `httpToken` and `httpBasic` (optional) require credentials on every route but webhooks, /healthz and
 * /healthz (see auth.ts); `tls` makes it HTTPS.
 */
export type ServerDeps = WebhookDeps &
  StatusDeps & {
    deployments?: DeploymentReadModel;
    httpToken?: string;
    /** Basic credentials accepted like the token (a browser can send them). */
    httpBasic?: BasicCredentials;
    /** Serve HTTPS with this certificate chain and key (PEM), resolved from operator secret references. */
    tls?: { cert: string; key: string };
    /** What the dashboard shows beyond the journal (newest plan, operation log, live events); empty when absent. */
    feed?: DashboardFeed;
    /** The config repo's web view for file:line links on resource pages. */
    repoWebUrl?: string;
    previewReads?: PreviewReadModel;
    timeouts?: Partial<HttpTimeouts>;
    /** Without previewReads: why there are none (the dashboard says so). */
    previewsOff?: PreviewsOff;
  };

/**
 * fastify (and its ~150 modules: avvio, find-my-way, semver, ...) is required when a server is built, not imported:
 * one-shot commands such as `validate` never load it (part of the CLI cold start, bench/cli-cold-start.ts).
 */
const requireCjs = createRequire(import.meta.url);

export function buildServer(deps: ServerDeps): FastifyInstance {
  const Fastify = requireCjs('fastify') as typeof import('fastify').default;
  const { http: httpLimits, ...limits } = serverLimits(deps.timeouts) as { http?: object } & Record<string, unknown>;
  const base = { logger: false, bodyLimit: deps.bodyLimit, return503OnClosing: true, ...limits };
  // With TLS fastify builds an https server from `https` alone, so the header limits and timeouts go there too.
  const options = deps.tls
    ? { ...base, https: { ...(httpLimits as object), cert: deps.tls.cert, key: deps.tls.key } }
    : { ...base, http: httpLimits };
  const app = (Fastify as unknown as (o: object) => FastifyInstance)(options);
  harden(app, deps.logger);
  // Raw bytes for every content type: HMACs are over exactly what was sent, and nothing else reads bodies.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  registerHttpAuth(app, { ...(deps.httpToken !== undefined ? { token: deps.httpToken } : {}), ...(deps.httpBasic ? { basic: deps.httpBasic } : {}) });
  registerWebhooks(app, deps);
  registerStatusRoutes(app, deps);
  if (deps.deployments) registerDeploymentEngineRoutes(app, { deployments: deps.deployments });
  if (deps.previewReads) registerPreviewRoutes(app, deps.previewReads);
  registerDashboard(app, {
    read: deps.read,
    live: deps.live,
    feed: deps.feed ?? createDashboardFeed(),
    ...(deps.deployments ? { deployments: deps.deployments } : {}),
    ...(deps.repoWebUrl ? { repoWebUrl: deps.repoWebUrl } : {}),
    ...(deps.previewReads ? { previews: deps.previewReads } : {}),
    ...(deps.previewsOff ? { previewsOff: deps.previewsOff } : {}),
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'not found' }));
  return app;
}
