/**
 * A small local stand-in for the REST APIs of GitHub, GitLab and Gitea, as far as plan previews use them: commit
 * statuses and the one pull request comment. Like the Aliyun emulator it checks what the real service documents and
 * refuses anything else the way the forge would: the exact method and path, the authentication header (GitHub:
 * `Authorization: Bearer` plus `Accept: application/vnd.github+json` and `X-GitHub-Api-Version: 2022-11-28`; GitLab:
 * `PRIVATE-TOKEN`; Gitea: `Authorization: token`), a JSON body with the documented fields and values (GitHub/Gitea
 * `state`/`description`/`context`/`target_url`, GitLab `state`/`name`/`description`/`target_url`, comments `body`).
 * Every request is recorded with its method, path, headers and parsed body for tests to assert on.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ForgeKind = 'github' | 'gitlab' | 'gitea';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
  status: number;
}

export interface EmulatedStatus {
  state: string;
  description?: string;
  context: string;
  targetUrl?: string;
}

export interface ForgeEmulator {
  /** API base URL to configure: `http://127.0.0.1:N` (GitHub), `.../api/v4` (GitLab), `.../api/v1` (Gitea). */
  api: string;
  forge: ForgeKind;
  requests: RecordedRequest[];
  /** Statuses posted for a commit, oldest first. */
  statuses(sha: string): EmulatedStatus[];
  /** Comments (GitHub/Gitea) or notes (GitLab) of a pull request, in creation order. */
  comments(number: number): { id: number; body: string }[];
  /** Adds a comment someone else wrote (the preview must leave it alone). */
  seedComment(number: number, body: string): void;
  close(): Promise<void>;
}

const STATES: Record<ForgeKind, readonly string[]> = {
  github: ['error', 'failure', 'pending', 'success'],
  gitlab: ['pending', 'running', 'success', 'failed', 'canceled', 'skipped'],
  gitea: ['pending', 'success', 'error', 'failure', 'warning'],
};
const PREFIX: Record<ForgeKind, string> = { github: '', gitlab: '/api/v4', gitea: '/api/v1' };

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Starts an emulator of `forge` on 127.0.0.1 that accepts `token` only. `repository`: owner/name or GitLab's project path. */
export async function startForgeEmulator(forge: ForgeKind, opts: { token: string; repository: string }): Promise<ForgeEmulator> {
  const requests: RecordedRequest[] = [];
  const statuses = new Map<string, EmulatedStatus[]>();
  const comments = new Map<number, { id: number; body: string }[]>();
  let nextId = 1000;
  const commentsOf = (n: number) => comments.get(n) ?? comments.set(n, []).get(n)!;

  const authenticate = (h: Record<string, string>): void => {
    if (forge === 'github') {
      if (h.authorization !== `Bearer ${opts.token}`) throw new HttpError(401, 'Bad credentials');
      if (h.accept !== 'application/vnd.github+json') throw new HttpError(415, 'expected Accept: application/vnd.github+json');
      if (h['x-github-api-version'] !== '2022-11-28') throw new HttpError(400, 'expected X-GitHub-Api-Version: 2022-11-28');
    } else if (forge === 'gitlab') {
      if (h['private-token'] !== opts.token) throw new HttpError(401, '401 Unauthorized');
    } else if (h.authorization !== `token ${opts.token}`) throw new HttpError(401, 'token is required');
  };

  const jsonBody = (req: RecordedRequest): Record<string, unknown> => {
    if (!req.headers['content-type']?.startsWith('application/json')) throw new HttpError(415, 'expected a JSON body');
    if (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) throw new HttpError(400, 'Problems parsing JSON');
    return req.body as Record<string, unknown>;
  };

  const postStatus = (sha: string, b: Record<string, unknown>): unknown => {
    if (!/^[0-9a-f]{40}$/.test(sha)) throw new HttpError(422, 'No commit found for SHA');
    if (typeof b.state !== 'string' || !STATES[forge].includes(b.state)) throw new HttpError(422, `state must be one of ${STATES[forge].join(', ')}`);
    const nameField = forge === 'gitlab' ? 'name' : 'context';
    if (typeof b[nameField] !== 'string') throw new HttpError(422, `${nameField} is required by this client`);
    if (b.description !== undefined && typeof b.description !== 'string') throw new HttpError(422, 'description must be a string');
    if (forge === 'github' && typeof b.description === 'string' && b.description.length > 140) throw new HttpError(422, 'description is too long (maximum is 140 characters)');
    if (b.target_url !== undefined && typeof b.target_url !== 'string') throw new HttpError(422, 'target_url must be a string');
    const allowed = new Set(['state', 'description', 'target_url', forge === 'gitlab' ? 'name' : 'context']);
    const extra = Object.keys(b).filter((k) => !allowed.has(k));
    if (extra.length > 0) throw new HttpError(422, `unexpected fields ${extra.join(', ')}`);
    const s: EmulatedStatus = {
      state: b.state,
      context: b[nameField] as string,
      ...(typeof b.description === 'string' ? { description: b.description } : {}),
      ...(typeof b.target_url === 'string' ? { targetUrl: b.target_url } : {}),
    };
    (statuses.get(sha) ?? statuses.set(sha, []).get(sha)!).push(s);
    return { id: nextId++, state: s.state, context: s.context };
  };

  const commentBody = (b: Record<string, unknown>): string => {
    if (typeof b.body !== 'string' || b.body.length === 0) throw new HttpError(422, 'body is required');
    if (Object.keys(b).length !== 1) throw new HttpError(422, 'only body is expected');
    if (forge === 'github' && b.body.length > 65536) throw new HttpError(422, 'body is too long (maximum is 65536 characters)');
    return b.body;
  };

  const page = (list: { id: number; body: string }[], q: URLSearchParams): { id: number; body: string }[] => {
    const size = Number(q.get(forge === 'gitea' ? 'limit' : 'per_page') ?? (forge === 'gitea' ? 50 : 30));
    const n = Number(q.get('page') ?? 1);
    return list.slice((n - 1) * size, n * size);
  };

  const route = (req: RecordedRequest, url: URL): [number, unknown] => {
    const p = url.pathname.slice(PREFIX[forge].length);
    const repo = forge === 'gitlab' ? `/projects/${encodeURIComponent(opts.repository)}` : `/repos/${opts.repository}`;
    if (!url.pathname.startsWith(PREFIX[forge]) || !p.startsWith(`${repo}/`)) throw new HttpError(404, 'Not Found');
    const rest = p.slice(repo.length);
    let m: RegExpExecArray | null;
    if ((m = /^\/statuses\/([^/]+)$/.exec(rest)) && req.method === 'POST') return [201, postStatus(m[1]!, jsonBody(req))];
    const listRe = forge === 'gitlab' ? /^\/merge_requests\/(\d+)\/notes$/ : /^\/issues\/(\d+)\/comments$/;
    if ((m = listRe.exec(rest))) {
      const n = Number(m[1]);
      if (req.method === 'GET') return [200, page(commentsOf(n), url.searchParams)];
      if (req.method === 'POST') {
        const c = { id: nextId++, body: commentBody(jsonBody(req)) };
        commentsOf(n).push(c);
        return [201, c];
      }
    }
    const editRe = forge === 'gitlab' ? /^\/merge_requests\/(\d+)\/notes\/(\d+)$/ : /^\/issues\/comments\/(\d+)$/;
    const editMethod = forge === 'gitlab' ? 'PUT' : 'PATCH';
    if ((m = editRe.exec(rest)) && req.method === editMethod) {
      const id = Number(forge === 'gitlab' ? m[2] : m[1]);
      const owner = forge === 'gitlab' ? [Number(m[1])] : [...comments.keys()];
      for (const n of owner) {
        const c = commentsOf(n).find((x) => x.id === id);
        if (c) {
          c.body = commentBody(jsonBody(req));
          return [200, c];
        }
      }
      throw new HttpError(404, 'Not Found');
    }
    throw new HttpError(404, 'Not Found');
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      const text = Buffer.concat(chunks).toString('utf8');
      const rec: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname + url.search, headers, status: 0 };
      let status: number;
      let answer: unknown;
      try {
        if (text) {
          try {
            rec.body = JSON.parse(text);
          } catch {
            throw new HttpError(400, 'Problems parsing JSON');
          }
        }
        authenticate(headers);
        [status, answer] = route(rec, url);
      } catch (err) {
        status = err instanceof HttpError ? err.status : 500;
        answer = { message: err instanceof Error ? err.message : String(err) };
      }
      rec.status = status;
      requests.push(rec);
      const out = JSON.stringify(answer);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    api: `http://127.0.0.1:${port}${PREFIX[forge]}`,
    forge,
    requests,
    statuses: (sha) => statuses.get(sha) ?? [],
    comments: (n) => commentsOf(n),
    seedComment(n, body) {
      commentsOf(n).push({ id: nextId++, body });
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}
