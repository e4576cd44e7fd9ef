/**
 * `GET /previews` (newest first, without the plan text) and `GET /previews/:number` (the whole preview: plan text,
 * tasks with field changes, problems with file:line): plan previews of pull requests as data, for people, scripts and
 * the dashboard. Read-only; behind the bearer token like every status route; sanitised like every answer. A browser
 * (its Accept header names text/html first) following the link a forge status or comment carries is sent to the
 * dashboard's page of the same preview (`/ui/previews/...`); scripts (curl, fetch: any other Accept) get the data.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { previewView, type PreviewRecord } from '../preview/model.js';

/** What the routes read: the preview service (src/preview/service.ts) or anything with the same two reads. */
export interface PreviewReadModel {
  list(): PreviewRecord[];
  get(number: number): PreviewRecord | undefined;
}

/** True when the client asks for HTML before anything else (what browsers send on navigation). */
export function wantsHtml(req: FastifyRequest): boolean {
  const first = String(req.headers.accept ?? '').split(',')[0]?.split(';')[0]?.trim().toLowerCase();
  return first === 'text/html';
}

export function registerPreviewRoutes(app: FastifyInstance, previews: PreviewReadModel): void {
  app.get('/previews', async (req, reply) => {
    if (wantsHtml(req)) return reply.redirect('/ui/previews', 303);
    return {
      previews: previews.list().map((r) => {
        const { lines: _lines, tasks: _tasks, prune: _prune, ...rest } = previewView(r);
        return rest;
      }),
    };
  });
  app.get<{ Params: { number: string } }>('/previews/:number', async (req, reply) => {
    const n = /^[1-9][0-9]{0,9}$/.test(req.params.number) ? Number(req.params.number) : undefined;
    if (n !== undefined && wantsHtml(req)) return reply.redirect(`/ui/previews/${n}`, 303);
    const record = n === undefined ? undefined : previews.get(n);
    if (!record) return reply.code(404).send({ error: `no preview of pull request ${req.params.number}` });
    return previewView(record);
  });
}
