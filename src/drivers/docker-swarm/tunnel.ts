/**
 * One SSH connection per swarm host, kept for the life of the driver, and an HTTP agent whose sockets are
 * `docker system dial-stdio` channels opened on it. docker-modem's own `ssh://` support dials a NEW SSH
 * connection (handshake, key exchange, host-key check) and starts a NEW dial-stdio process for every API call;
 * on a loaded box that was several hundred milliseconds a call, and a rollout wait makes hundreds of calls. Here
 * the channels are HTTP/1.1 keep-alive sockets, so a steady stream of calls costs neither: at most `maxChannels`
 * dial-stdio channels per host, reused call after call. A dropped connection is re-dialled on the next call; an
 * idle one is unref'd (a CLI can exit) and closed after `idleTimeoutMs`.
 */
import { Agent } from 'node:http';
import type { Duplex } from 'node:stream';
import { TransientError } from '../../errors.js';
import { dial, type Connection } from '../ssh/connect.js';
import { ChannelOpenError } from '../ssh/errors.js';
import type { KnownHosts } from '../ssh/known-hosts.js';
import type { SshTarget } from '../types.js';

export interface TunnelOptions {
  /** Checks the host key; rejects to refuse the connection. Absent: any key is accepted. */
  verifyHostKey?: (target: SshTarget, key: Buffer) => Promise<unknown>;
  maxChannels: number;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  /** Called once per SSH connection dialled (counted by the driver's stats). */
  onDial?: () => void;
}

export interface Tunnel {
  /** The agent to hand dockerode: every socket it makes is a dial-stdio channel on the host's one connection. */
  readonly agent: Agent;
  /** Runs `fn` with the connection held busy (its socket ref'd, so a pending call keeps the process alive). */
  busy<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The socket methods http.Agent / ClientRequest call on a net.Socket that an SSH channel does not have. */
function asSocket(stream: Duplex): Duplex {
  const s = stream as Duplex & Record<string, unknown>;
  for (const m of ['setKeepAlive', 'setNoDelay', 'setTimeout', 'ref', 'unref']) {
    if (typeof s[m] !== 'function') s[m] = () => s;
  }
  return s;
}

/** An agent that keeps channels for reuse; reuse and free-socket bookkeeping stay Node's own. */
class ChannelAgent extends Agent {
  constructor(
    private readonly open: () => Promise<Duplex>,
    max: number,
  ) {
    super({ keepAlive: true, maxSockets: max, maxFreeSockets: max });
  }
  override createConnection(_opts: unknown, done: (err: Error | null, socket?: Duplex) => void): undefined {
    this.open().then(
      (s) => done(null, asSocket(s)),
      (err: unknown) => done(err instanceof Error ? err : new TransientError('Unreachable', `docker dial-stdio: ${String(err)}`)),
    );
    return undefined;
  }
  override keepSocketAlive(): boolean {
    return true;
  }
}

/** Creates the tunnel to one host; nothing is dialled until the first call. */
export function createTunnel(target: SshTarget, opts: TunnelOptions): Tunnel {
  let conn: Promise<Connection> | undefined;
  let inFlight = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  const verify = opts.verifyHostKey;
  const knownHosts: KnownHosts = { verify: async (_id, key) => (verify ? (await verify(target, key), 'known') : 'known') };

  const connection = (): Promise<Connection> => {
    if (!conn) {
      const dialling = dial(target, { knownHosts, connectTimeoutMs: opts.connectTimeoutMs, keepaliveIntervalMs: 15_000 }).then((c) => {
        opts.onDial?.();
        c.onClose(() => {
          if (conn === dialling) conn = undefined;
          agent.destroy();
        });
        if (inFlight === 0) c.socket.unref();
        return c;
      });
      dialling.catch(() => {
        if (conn === dialling) conn = undefined;
      });
      conn = dialling;
    }
    return conn;
  };

  const openChannel = async (): Promise<Duplex> => {
    const c = await connection();
    return new Promise((resolve, reject) => {
      try {
        c.client.exec('docker system dial-stdio', (err, stream) => {
          if (err) reject(new ChannelOpenError(`cannot open docker dial-stdio channel: ${err.message.toLowerCase()}`, { cause: err }));
          else resolve(stream);
        });
      } catch (err) {
        reject(new ChannelOpenError('cannot open docker dial-stdio channel: not connected', { cause: err }));
      }
    });
  };

  const agent = new ChannelAgent(openChannel, opts.maxChannels);

  const setBusy = async (busy: boolean): Promise<void> => {
    const c = conn ? await conn.catch(() => undefined) : undefined;
    if (busy) c?.socket.ref();
    else if (inFlight === 0) c?.socket.unref();
  };

  return {
    agent,
    async busy(fn) {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = undefined;
      inFlight++;
      await setBusy(true);
      try {
        return await fn();
      } finally {
        inFlight--;
        if (inFlight === 0) {
          await setBusy(false);
          idleTimer = setTimeout(() => {
            if (inFlight === 0) void closeNow();
          }, opts.idleTimeoutMs);
          idleTimer.unref();
        }
      }
    },
    close: () => closeNow(),
  };

  async function closeNow(): Promise<void> {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = undefined;
    agent.destroy();
    const c = conn;
    conn = undefined;
    const live = c ? await c.catch(() => undefined) : undefined;
    await live?.close();
  }
}
