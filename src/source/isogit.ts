/**
 * isomorphic-git and its Node HTTP client, loaded at their first call rather than at start-up: `driftless validate`
 * of a directory never touches Git, and the package (with its dependencies) was a large share of the CLI's cold
 * start (issue 20). A static `import` cannot be lazy here: the CLI bundle (bin/driftless.js) keeps packages
 * external and hoists every static import of one to its top, so only a dynamic `import()` defers the load.
 *
 * Every isomorphic-git command and the HTTP client's `request` return promises, so the stand-ins below, which
 * await the real module and forward the call, behave exactly like them; callers keep writing `git.fetch(...)`.
 */
import type GitApi from 'isomorphic-git';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git/http/node';

type Git = typeof GitApi;

let loading: Promise<Git> | undefined;

/** The real isomorphic-git module (loaded once). */
export function loadGit(): Promise<Git> {
  loading ??= import('isomorphic-git').then((m) => m.default);
  return loading;
}

/** isomorphic-git's commands, each loading the package on its first call. */
export const git: Git = new Proxy({} as Git, {
  get(_target, name) {
    // Not a thenable (`await git` must not call anything) and no symbol-keyed members: only commands by name.
    if (typeof name !== 'string' || name === 'then') return undefined;
    return async (...args: unknown[]) => {
      const real = (await loadGit()) as unknown as Record<string | symbol, (...a: unknown[]) => unknown>;
      return real[name]!(...args);
    };
  },
});

/** isomorphic-git's Node HTTP client, loaded on the first request. */
export const http: HttpClient = {
  async request(req: GitHttpRequest): Promise<GitHttpResponse> {
    const { default: client } = await import('isomorphic-git/http/node');
    return client.request(req);
  },
};
