/**
 * GitHub's REST API as documented (docs.github.com/rest): commit statuses (`POST /repos/{owner}/{repo}/statuses/{sha}`)
 * and pull request comments, which are issue comments (`GET|POST /repos/{owner}/{repo}/issues/{number}/comments`,
 * `PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}`). Every request carries the headers GitHub asks for:
 * `Authorization: Bearer`, `Accept: application/vnd.github+json` and `X-GitHub-Api-Version: 2022-11-28`.
 */
import { call, MAX_COMMENT_PAGES } from './http.js';
import { COMMENT_MARKER, type ForgeClient, type ForgeClientOptions } from './types.js';

export const GITHUB_API_VERSION = '2022-11-28';

/** GitHub cuts nothing itself: a description over 140 characters is refused with 422. */
const MAX_DESCRIPTION = 140;

export function githubHeaders(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}`, Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': GITHUB_API_VERSION, 'User-Agent': 'driftless' };
}

/** `owner/name` as two path segments, each encoded. */
export function repoPath(repository: string): string {
  return repository.split('/').map(encodeURIComponent).join('/');
}

export function createGithubClient(opts: ForgeClientOptions): ForgeClient {
  return createIssueCommentClient('github', opts, githubHeaders, MAX_DESCRIPTION, 100, (page) => `per_page=100&page=${page}`);
}

/** GitHub and Gitea share the shape of these calls; only headers, limits and page parameters differ. */
export function createIssueCommentClient(
  forge: 'github' | 'gitea',
  opts: ForgeClientOptions,
  headers: (token: string) => Record<string, string>,
  maxDescription: number,
  pageSize: number,
  pageQuery: (page: number) => string,
): ForgeClient {
  const repo = `/repos/${repoPath(opts.repository)}`;
  return {
    forge,
    async setStatus(sha, status) {
      await call(opts, {
        method: 'POST',
        path: `${repo}/statuses/${encodeURIComponent(sha)}`,
        headers,
        body: {
          state: status.state,
          ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
          description: status.description.slice(0, maxDescription),
          context: status.context,
        },
      });
    },
    async upsertComment(number, body) {
      for (let page = 1; page <= MAX_COMMENT_PAGES; page++) {
        const comments = await call<{ id: number; body?: string }[]>(opts, {
          method: 'GET',
          path: `${repo}/issues/${number}/comments?${pageQuery(page)}`,
          headers,
        });
        const ours = comments.find((c) => c.body?.includes(COMMENT_MARKER));
        if (ours) {
          await call(opts, { method: 'PATCH', path: `${repo}/issues/comments/${ours.id}`, headers, body: { body } });
          return { id: String(ours.id), created: false };
        }
        if (comments.length < pageSize) break;
      }
      const made = await call<{ id: number }>(opts, { method: 'POST', path: `${repo}/issues/${number}/comments`, headers, body: { body } });
      return { id: String(made.id), created: true };
    },
  };
}
