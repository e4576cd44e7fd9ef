/**
 * Gitea's (and Forgejo's) API as documented (`/api/v1`, swagger): `POST /repos/{owner}/{repo}/statuses/{sha}` and
 * the issue comments of a pull request (`GET|POST /repos/{owner}/{repo}/issues/{index}/comments`,
 * `PATCH /repos/{owner}/{repo}/issues/comments/{id}`), authenticated by `Authorization: token <token>`.
 */
import { createIssueCommentClient } from './github.js';
import type { ForgeClient, ForgeClientOptions } from './types.js';

export function giteaHeaders(token: string): Record<string, string> {
  return { Authorization: `token ${token}`, Accept: 'application/json' };
}

/** Gitea stores descriptions of any length; keep them to one readable line. */
const MAX_DESCRIPTION = 255;

export function createGiteaClient(opts: ForgeClientOptions): ForgeClient {
  // Gitea pages with `page` and `limit` (its default page size is 50 and the server caps `limit`).
  return createIssueCommentClient('gitea', opts, giteaHeaders, MAX_DESCRIPTION, 50, (page) => `page=${page}&limit=50`);
}
