/**
 * The daemon's HTTP surface: webhooks that only ask for a fetch, and read-only status. `buildServer` returns a
 * fastify instance without listening, so tests drive it with real HTTP on an ephemeral port or with inject().
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { registerBearerAuth } from './auth.js';
import { registerStatusRoutes, type StatusDeps } from './status-routes.js';
import { registerWebhooks, type WebhookDeps } from './webhooks.js';
import { registerDeploymentEngineRoutes } from './routes/deployment-engine.js';
import type { DeploymentReadModel } from '../model/deployment-view.js';
import { harden, serverLimits, type HttpTimeouts } from './hardening.js';

export type { Metrics } from '../metrics/index.js';
export { createMetrics } from '../metrics/index.js';

/**
 * `deployments` (optional) enables the Deployment Engine routes over CFDeployment observations (a read model on the
 * state store); `httpToken` (optional)
 * requires `Authorization: Bearer <token>` on every route but webhooks, /healthz and /readyz (see auth.ts).
 */
export type ServerDeps = WebhookDeps & StatusDeps & { deployments?: DeploymentReadModel; httpToken?: string; timeouts?: Partial<HttpTimeouts> };

export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: deps.bodyLimit, return503OnClosing: true, ...serverLimits(deps.timeouts) });
  harden(app, deps.logger);
  // Raw bytes for every content type: HMACs are over exactly what was sent, and nothing else reads bodies.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  if (deps.httpToken !== undefined) registerBearerAuth(app, deps.httpToken);
  registerWebhooks(app, deps);
  registerStatusRoutes(app, deps);
  if (deps.deployments) registerDeploymentEngineRoutes(app, { deployments: deps.deployments });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'not found' }));
  return app;
}
