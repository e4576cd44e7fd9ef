/**
 * GitLab's REST API v4 as documented: `POST /projects/:id/statuses/:sha` (states pending, running, success, failed,
 * canceled; the check's name in `name`) and merge request notes (`GET|POST /projects/:id/merge_requests/:iid/notes`,
 * `PUT /projects/:id/merge_requests/:iid/notes/:note_id`), authenticated by `PRIVATE-TOKEN`. `:id` is the numeric
 * project id or the URL-encoded `group/project` path.
 */
import { call, MAX_COMMENT_PAGES } from './http.js';
import { COMMENT_MARKER, type CommitState, type ForgeClient, type ForgeClientOptions } from './types.js';

export function gitlabHeaders(token: string): Record<string, string> {
  return { 'PRIVATE-TOKEN': token, Accept: 'application/json' };
}

const STATE: Record<CommitState, string> = { pending: 'pending', success: 'success', failure: 'failed', error: 'failed' };

/** GitLab keeps at most 255 characters of a status description. */
const MAX_DESCRIPTION = 255;

export function createGitlabClient(opts: ForgeClientOptions): ForgeClient {
  const project = `/projects/${encodeURIComponent(opts.repository)}`;
  const headers = gitlabHeaders;
  return {
    forge: 'gitlab',
    async setStatus(sha, status) {
      await call(opts, {
        method: 'POST',
        path: `${project}/statuses/${encodeURIComponent(sha)}`,
        headers,
        body: {
          state: STATE[status.state],
          name: status.context,
          description: status.description.slice(0, MAX_DESCRIPTION),
          ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
        },
      });
    },
    async upsertComment(iid, body) {
      const notes = `${project}/merge_requests/${iid}/notes`;
      for (let page = 1; page <= MAX_COMMENT_PAGES; page++) {
        const list = await call<{ id: number; body?: string; system?: boolean }[]>(opts, { method: 'GET', path: `${notes}?per_page=100&page=${page}`, headers });
        const ours = list.find((n) => !n.system && n.body?.includes(COMMENT_MARKER));
        if (ours) {
          await call(opts, { method: 'PUT', path: `${notes}/${ours.id}`, headers, body: { body } });
          return { id: String(ours.id), created: false };
        }
        if (list.length < 100) break;
      }
      const made = await call<{ id: number }>(opts, { method: 'POST', path: notes, headers, body: { body } });
      return { id: String(made.id), created: true };
    },
  };
}
