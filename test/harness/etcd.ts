/**
 * A real 3-member etcd cluster (Debian's /usr/bin/etcd) on loopback ports in a temp dir, for the shared state
 * store and leader election tests. Members can be stopped and started one by one (a replica losing its member)
 * or all together (etcd down); `stop()` ends every member the harness started, by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { tempDir } from './tmp.js';

export const ETCD_BIN = '/usr/bin/etcd';

interface Member {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  proc?: ChildProcess;
  log: string[];
}

export interface EtcdCluster {
  /** `127.0.0.1:port` of each member's client URL. */
  endpoints: string[];
  /** `etcd://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3/<prefix>`. */
  url(prefix?: string): string;
  /** A client over all members (the test's own view). */
  client(): Etcd3;
  /** SIGKILLs one member and waits for its exit. */
  stopMember(i: number): Promise<void>;
  /** Starts a stopped member again (same data dir) and waits until it answers. */
  startMember(i: number): Promise<void>;
  stop(): Promise<void>;
  /** The last lines a member printed (for failure messages). */
  logOf(i: number): string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `fn` until it resolves truthy; each attempt is a real request, so no fixed sleeps. */
async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      if (await fn()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`etcd harness: timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export async function startEtcdCluster(opts: { members?: number } = {}): Promise<EtcdCluster> {
  const n = opts.members ?? 3;
  const root = tempDir('etcd');
  const members: Member[] = [];
  for (let i = 0; i < n; i++) {
    members.push({ name: `m${i}`, clientPort: await freePort(), peerPort: await freePort(), dataDir: join(root, `m${i}`), log: [] });
  }
  const initialCluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',');
  const endpoints = members.map((m) => `127.0.0.1:${m.clientPort}`);
  const clients: Etcd3[] = [];

  function launch(m: Member, state: 'new' | 'existing'): void {
    const args = [
      `--name=${m.name}`,
      `--data-dir=${m.dataDir}`,
      `--listen-client-urls=http://127.0.0.1:${m.clientPort}`,
      `--advertise-client-urls=http://127.0.0.1:${m.clientPort}`,
      `--listen-peer-urls=http://127.0.0.1:${m.peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${m.peerPort}`,
      `--initial-cluster=${initialCluster}`,
      `--initial-cluster-state=${state}`,
      '--initial-cluster-token=driftless-test',
      // a loaded 2-core CI box: the defaults (100 ms / 1 s) make members elect each other all day long
      '--heartbeat-interval=250',
      '--election-timeout=2500',
      '--log-level=error',
      '--logger=zap',
    ];
    const proc = spawn(ETCD_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer) => {
      m.log.push(b.toString());
      if (m.log.length > 50) m.log.shift();
    };
    proc.stdout.on('data', keep);
    proc.stderr.on('data', keep);
    m.proc = proc;
  }

  const memberHealthy = async (m: Member): Promise<boolean> => {
    const c = new Etcd3({ hosts: `http://127.0.0.1:${m.clientPort}`, dialTimeout: 1000 });
    try {
      await c.get('health-probe').options({ deadline: Date.now() + 2000 }).string();
      return true;
    } finally {
      c.close();
    }
  };

  for (const m of members) launch(m, 'new');
  try {
    for (const m of members) await until(`member ${m.name}`, () => memberHealthy(m));
  } catch (err) {
    for (const m of members) m.proc?.kill('SIGKILL');
    throw new Error(`${String(err)}\n${members.map((m) => m.log.join('')).join('\n')}`);
  }

  const stopOne = async (m: Member): Promise<void> => {
    const p = m.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGKILL');
    await exited;
    m.proc = undefined;
  };

  return {
    endpoints,
    url: (prefix = 'driftless') => `etcd://${endpoints.join(',')}/${prefix}`,
    client() {
      const c = new Etcd3({ hosts: endpoints.map((e) => `http://${e}`), dialTimeout: 2000 });
      clients.push(c);
      return c;
    },
    stopMember: (i) => stopOne(members[i]!),
    async startMember(i) {
      const m = members[i]!;
      if (m.proc) return;
      launch(m, 'existing');
      await until(`member ${m.name} again`, () => memberHealthy(m));
    },
    async stop() {
      for (const c of clients) c.close();
      for (const m of members) await stopOne(m);
    },
    logOf: (i) => members[i]!.log.join(''),
  };
}
