/**
 * A real Git smart-HTTP server for tests: node's http server in front of `git http-backend` run as CGI, so the
 * source is exercised against the same protocol implementation real Git hosts speak (upload-pack, receive-pack,
 * shallow, ref advertisement), plus optional HTTP basic auth. `restart()` keeps the port so outage tests can
 * stop the server and bring it back at the same URL.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface GitServerRequest {
  method: string;
  path: string;
  status: number;
}

export interface GitServer {
  baseUrl: string;
  /** URL of a repository served from the project root, e.g. `http://127.0.0.1:1234/config.git`. */
  url(repo: string): string;
  /** Creates `<root>/<name>` as a bare repo (HEAD -> main, receive-pack enabled) and returns its path. */
  createBareRepo(name: string): Promise<string>;
  stop(): Promise<void>;
  /** Listens again on the same port after `stop()`. */
  restart(): Promise<void>;
  /** Every request served (or refused), in order; tests count them to prove a poll downloaded no pack. */
  requests: GitServerRequest[];
  /** GIT_PROJECT_ROOT: bare repos live here. */
  root: string;
  /** Stops the server and deletes the project root. */
  dispose(): Promise<void>;
}

export interface GitServerOptions {
  auth?: { username: string; password: string };
}

/** Starts the server on 127.0.0.1 with a fresh project root in the temp dir. */
export async function startGitServer(opts: GitServerOptions = {}): Promise<GitServer> {
  const root = await mkdtemp(join(tmpdir(), 'driftless-git-server-'));
  const requests: GitServerRequest[] = [];
  let server: Server | undefined;
  let port = 0;

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record = (status: number): void => {
      requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, status });
    };
    let remoteUser = '';
    if (opts.auth) {
      const user = checkBasicAuth(req.headers.authorization, opts.auth);
      if (user === undefined) {
        record(401);
        req.resume();
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="driftless-test"', 'Content-Type': 'text/plain' });
        res.end('authentication required\n');
        return;
      }
      remoteUser = user;
    }
    runBackend(root, req, res, url, remoteUser, record);
  };

  const listen = async (): Promise<void> => {
    const s = createServer(handler);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  };

  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  };

  await listen();
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    root,
    requests,
    url: (repo) => `${baseUrl}/${repo}`,
    async createBareRepo(name) {
      const path = join(root, name);
      await mkdir(path, { recursive: true });
      await execFileAsync('git', ['init', '--bare', '--quiet', '--initial-branch=main', path]);
      await execFileAsync('git', ['-C', path, 'config', 'http.receivepack', 'true']);
      return path;
    },
    stop,
    async restart() {
      await stop();
      await listen();
    },
    async dispose() {
      await stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

function checkBasicAuth(header: string | undefined, auth: { username: string; password: string }): string | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  const [user, pass] = [decoded.slice(0, i), decoded.slice(i + 1)];
  return user === auth.username && pass === auth.password ? user : undefined;
}

/** Runs one request through `git http-backend` (CGI/1.1): request body to stdin, headers + body from stdout. */
function runBackend(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  remoteUser: string,
  record: (status: number) => void,
): void {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: root,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    REQUEST_METHOD: req.method ?? 'GET',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: remoteUser,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
  const proto = req.headers['git-protocol'];
  if (typeof proto === 'string') env.GIT_PROTOCOL = proto;

  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  let head = Buffer.alloc(0);
  let headersDone = false;
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const sep = findHeaderEnd(head);
    if (!sep) return;
    headersDone = true;
    const { status, headers } = parseCgiHeaders(head.subarray(0, sep.index).toString('latin1'));
    record(status);
    res.writeHead(status, headers);
    res.write(head.subarray(sep.index + sep.length));
  });
  child.on('close', (code) => {
    if (!headersDone) {
      record(500);
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`git http-backend exited ${code}: ${stderr}`);
      return;
    }
    res.end();
  });
  child.on('error', (err) => {
    if (!res.headersSent) res.writeHead(500);
    res.end(String(err));
  });
}

function findHeaderEnd(buf: Buffer): { index: number; length: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { index: crlf, length: 4 };
  if (lf >= 0) return { index: lf, length: 2 };
  return undefined;
}

function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const name = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
    else headers[name] = value;
  }
  return { status, headers };
}
