/**
 * The HTTP side shared by the Aliyun RPC emulators (ECS, SLB): parameters from the query string and a form body,
 * JSON answers with a RequestId, and errors in Aliyun's shape `{ RequestId, HostId, Code, Message, Recommend }`.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An error the emulated API answers with: HTTP status plus Aliyun's error code. */
export class AliyunError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export interface RpcServer {
  endpoint: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:0 and answers every request with `handle(method, params)` or its AliyunError. */
export async function serveRpc(hostId: string, handle: (method: string, params: Record<string, string>) => Promise<unknown>): Promise<RpcServer> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomBytes(16).toString('hex').toUpperCase();
    readParams(req)
      .then((params) => handle(req.method ?? 'GET', params))
      .then(
        (body) => send(res, 200, { RequestId: requestId, ...(body as object) }),
        (err: unknown) => {
          const e = err instanceof AliyunError ? err : new AliyunError(500, 'InternalError', `The request processing has failed due to some unknown error. ${String(err)}`);
          send(res, e.status, { RequestId: requestId, HostId: hostId, Code: e.code, Message: e.message, Recommend: '' });
        },
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

async function readParams(req: IncomingMessage): Promise<Record<string, string>> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const out: Record<string, string> = Object.fromEntries(url.searchParams);
  if (req.method === 'POST') {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    Object.assign(out, Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
  }
  return out;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
