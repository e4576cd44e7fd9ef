/**
 * An HTTP proxy on 127.0.0.1 in front of the harness's Git smart-HTTP server, for source faults the server itself
 * cannot show: `down` (the port refuses connections), `http500` (every request answered 500), `truncate` (the
 * upload-pack answer, the pack, cut in half and ended cleanly, as a proxy that dropped the tail would) and `hang`
 * (requests accepted and never answered). `pass` forwards untouched. Switching mode takes effect on the next request.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultMode = 'pass' | 'down' | 'http500' | 'truncate' | 'hang';

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`, stable across `down` and back. */
  baseUrl: string;
  set(mode: FaultMode): Promise<void>;
  /** Requests that reached the proxy while each mode was set. */
  counts: Record<FaultMode, number>;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  let mode: FaultMode = 'pass';
  let port = 0;
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const counts: Record<FaultMode, number> = { pass: 0, down: 0, http500: 0, truncate: 0, hang: 0 };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    counts[mode] += 1;
    if (mode === 'hang') return void req.resume();
    if (mode === 'http500') {
      req.resume();
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      return void res.end('internal server error\n');
    }
    const cut = mode === 'truncate' && (req.url ?? '').endsWith('/git-upload-pack');
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        const headers = { ...up.headers };
        delete headers['content-length'];
        res.writeHead(up.statusCode ?? 502, headers);
        if (!cut) return void up.pipe(res);
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const body = Buffer.concat(chunks);
          res.end(body.subarray(0, Math.floor(body.length / 2)));
        });
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  };

  const listen = async (): Promise<void> => {
    const s = createServer(handler);
    s.on('connection', (c) => {
      sockets.add(c);
      c.on('close', () => sockets.delete(c));
    });
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
    for (const c of sockets) c.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    counts,
    async set(next) {
      if (next === 'down' && server) await stop();
      if (next !== 'down' && !server) await listen();
      if (mode === 'hang' && next !== 'hang') for (const c of sockets) c.destroy();
      mode = next;
    },
    close: stop,
  };
}
