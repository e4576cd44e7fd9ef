/**
 * The dashboard's routes: server-rendered pages under `/ui/` (overview, runs, resources, Deployment Engine, plan
 * previews), two static assets and one server-sent event stream
 * (`/ui/events`: run progress pushed as it happens, never polled). Read-only like the rest of the surface, behind
 * the same auth hook, and every answer carries the security headers (a CSP that allows only this origin's script
 * and stylesheet, no framing, no sniffing, no referrer).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { JournalData } from '../../journal/types.js';
import type { DeploymentReadModel } from '../../model/deployment-view.js';
import type { LiveState } from '../../report/view.js';
import { ASSETS } from './assets.js';
import { enginePage } from './engine.js';
import type { DashboardFeed, LiveMessage } from './feed.js';
import { html, type Html } from './html.js';
import { page } from './layout.js';
import { overviewPage, runPage, runsPage } from './overview.js';
import { previewPage, previewsPage, type PreviewPageDeps } from './previews.js';
import { resourcePage } from './resource.js';

export interface DashboardDeps extends PreviewPageDeps {
  read: () => JournalData;
  live: () => LiveState;
  feed: DashboardFeed;
  deployments?: DeploymentReadModel;
  repoWebUrl?: string;
  /** Keep-alive comment interval of the event stream (proxies drop silent connections). */
  heartbeatMs?: number;
  /** Open event streams at most (each holds a socket); more answer 503 and the page works without them. */
  maxStreams?: number;
}

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

const sendPage = (reply: FastifyReply, body: Html, code = 200) =>
  reply.code(code).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body.value);

const notFound = (reply: FastifyReply, what: string) =>
  sendPage(reply, page({ title: 'Not found' }, html`<h1>Not found</h1><p>${what}</p><p><a href="/ui/">Back to the overview</a></p>`), 404);

export function registerDashboard(app: FastifyInstance, deps: DashboardDeps): void {
  const streams = new Set<FastifyReply>();
  // The server's own hook (hardening.ts) gives every answer a deny-all CSP first; the dashboard's pages and assets
  // need theirs (own script, styles, images), so under /ui it replaces that one.
  app.addHook('onSend', async (req, reply, payload) => {
    const page = req.url === '/' || req.url.startsWith('/ui');
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (page || !reply.hasHeader(k)) void reply.header(k, v);
    return payload;
  });
  // Open event streams would hold the server's close; end them first.
  app.addHook('preClose', async () => {
    for (const r of streams) r.raw.end();
    streams.clear();
  });

  app.get('/', async (_req, reply) => reply.redirect('/ui/', 302));
  app.get('/ui', async (_req, reply) => reply.redirect('/ui/', 301));
  app.get<{ Querystring: { kind?: string; all?: string } }>('/ui/', async (req, reply) =>
    sendPage(reply, overviewPage(deps.read(), deps.live(), { ...(req.query.kind ? { kind: String(req.query.kind) } : {}), all: req.query.all === '1' })),
  );
  app.get('/ui/runs', async (_req, reply) => sendPage(reply, runsPage(deps.read())));
  app.get<{ Params: { id: string } }>('/ui/runs/:id', async (req, reply) => {
    const p = runPage(deps.read(), req.params.id);
    return p ? sendPage(reply, p) : notFound(reply, `No run ${req.params.id} in the history.`);
  });
  app.get<{ Params: { kind: string; name: string } }>('/ui/resources/:kind/:name', async (req, reply) => {
    const p = await resourcePage(deps, req.params.kind, req.params.name);
    return p ? sendPage(reply, p) : notFound(reply, `No resource ${req.params.kind}/${req.params.name}.`);
  });
  app.get('/ui/previews', async (_req, reply) => sendPage(reply, previewsPage(deps)));
  app.get<{ Params: { number: string } }>('/ui/previews/:number', async (req, reply) => {
    const n = /^[1-9][0-9]{0,9}$/.test(req.params.number) ? Number(req.params.number) : undefined;
    const p = n === undefined ? undefined : previewPage(deps, n);
    return p ? sendPage(reply, p) : notFound(reply, `No preview of pull request ${req.params.number}.`);
  });
  app.get('/ui/deployment-engine', async (_req, reply) => sendPage(reply, await enginePage(deps.deployments)));
  app.get<{ Params: { file: string } }>('/ui/assets/:file', async (req, reply) => {
    const a = ASSETS[req.params.file];
    if (!a) return reply.code(404).send({ error: 'not found' });
    if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
    return reply.type(a.type).header('etag', a.etag).header('cache-control', 'no-cache').send(a.body);
  });

  app.get('/ui/events', async (_req, reply) => {
    if (streams.size >= (deps.maxStreams ?? 64)) return reply.code(503).header('retry-after', '30').send({ error: 'too many open event streams' });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    const send = (m: LiveMessage): void => void res.write(`event: ${m.event}\ndata: ${JSON.stringify(m.data)}\n\n`);
    // The state at connect time, so a page opened mid-run is current at once.
    const cur = deps.live().current;
    res.write('retry: 3000\n\n');
    if (cur) send({ event: 'progress', data: { id: cur.id, revision: cur.revision, tasksDone: cur.tasksDone, tasksTotal: cur.tasksTotal } });
    const unsubscribe = deps.feed.subscribe(send);
    const beat = setInterval(() => res.write(': keep-alive\n\n'), deps.heartbeatMs ?? 15_000);
    streams.add(reply);
    res.on('close', () => {
      clearInterval(beat);
      unsubscribe();
      streams.delete(reply);
    });
  });
}
