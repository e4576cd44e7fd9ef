/**
 * `GET /previews` (newest first, without the plan text) and `GET /previews/:number` (the whole preview: plan text,
 * tasks with field changes, problems with file:line): plan previews of pull requests as data, for people, scripts and
 * the dashboard. Read-only; behind the bearer token like every status route; sanitised like every answer.
 */
import type { FastifyInstance } from 'fastify';
import { previewView, type PreviewRecord } from '../preview/model.js';

/** What the routes read: the preview service (src/preview/service.ts) or anything with the same two reads. */
export interface PreviewReadModel {
  list(): PreviewRecord[];
  get(number: number): PreviewRecord | undefined;
}

export function registerPreviewRoutes(app: FastifyInstance, previews: PreviewReadModel): void {
  app.get('/previews', async () => ({
    previews: previews.list().map((r) => {
      const { lines: _lines, tasks: _tasks, prune: _prune, ...rest } = previewView(r);
      return rest;
    }),
  }));
  app.get<{ Params: { number: string } }>('/previews/:number', async (req, reply) => {
    const n = /^[1-9][0-9]{0,9}$/.test(req.params.number) ? Number(req.params.number) : undefined;
    const record = n === undefined ? undefined : previews.get(n);
    if (!record) return reply.code(404).send({ error: `no preview of pull request ${req.params.number}` });
    return previewView(record);
  });
}
