/**
 * Connection pool: one SSH connection per target (user@host:port + key fingerprint), reused across runs because the
 * daemon keeps the driver alive. Concurrent first uses share one dial (no thundering herd on a fan-out), a small
 * semaphore per target caps open channels, dead connections are dropped and re-dialled on next use, and idle
 * connections are closed after a while. Idle sockets and timers are unref'd so a CLI process can exit.
 */
import { createHash } from 'node:crypto';
import { TransientError } from '../../errors.js';
import type { SshTarget } from '../types.js';
import type { Connection } from './connect.js';
import { ChannelOpenError, describeTarget } from './errors.js';
import { createSemaphore, type Semaphore } from './semaphore.js';

export interface PoolOptions {
  dial(target: SshTarget): Promise<Connection>;
  perHostConcurrency: number;
  idleTimeoutMs: number;
}

export interface PoolStats {
  /** Connections dialled successfully since creation. */
  dials: number;
  dialFailures: number;
  openConnections: number;
  /** Channels running right now, and the most ever seen at once on one target. */
  inFlight: number;
  maxInFlightPerHost: number;
}

export interface Pool {
  /** Runs `fn` on a pooled connection, holding one of the target's channel slots for its duration. */
  use<T>(target: SshTarget, signal: AbortSignal | undefined, fn: (conn: Connection) => Promise<T>): Promise<T>;
  drop(target: SshTarget): Promise<void>;
  close(): Promise<void>;
  stats(): PoolStats;
}

interface Slot {
  semaphore: Semaphore;
  conn?: Connection;
  dialing?: Promise<Connection>;
  busy: number;
  idleTimer?: NodeJS.Timeout;
}

/**
 * Pool key: never contains key material, only a short digest of it. The host-key pin is part of it: a connection
 * verified as one machine never serves another that reached the same address later.
 */
export function poolKey(target: SshTarget): string {
  const digest = createHash('sha256').update(target.privateKey).update('\0').update(target.passphrase ?? '').digest('hex');
  return `${target.username}@${target.host}:${target.port}#${digest.slice(0, 16)}${target.hostKeyId ? `@${target.hostKeyId}` : ''}`;
}

/** Creates an empty pool; nothing is dialled until first use. */
export function createPool(options: PoolOptions): Pool {
  const slots = new Map<string, Slot>();
  const counters = { dials: 0, dialFailures: 0, maxInFlightPerHost: 0 };
  let closing = false;

  const slotOf = (key: string): Slot => {
    let slot = slots.get(key);
    if (!slot) {
      slot = { semaphore: createSemaphore(options.perHostConcurrency), busy: 0 };
      slots.set(key, slot);
    }
    return slot;
  };

  const connectionFor = (slot: Slot, target: SshTarget): Promise<Connection> => {
    if (slot.conn && !slot.conn.closed) return Promise.resolve(slot.conn);
    slot.conn = undefined;
    if (!slot.dialing) {
      const dialing = options.dial(target).then(
        (conn) => {
          counters.dials++;
          if (slot.dialing === dialing) slot.dialing = undefined;
          if (closing) {
            void conn.close();
            throw new TransientError('Cancelled', `ssh driver closed while dialling ${describeTarget(target)}`);
          }
          slot.conn = conn;
          conn.onClose(() => {
            if (slot.conn === conn) slot.conn = undefined;
            if (slot.idleTimer) clearTimeout(slot.idleTimer);
          });
          return conn;
        },
        (err: unknown) => {
          counters.dialFailures++;
          if (slot.dialing === dialing) slot.dialing = undefined;
          throw err;
        },
      );
      slot.dialing = dialing;
    }
    return slot.dialing;
  };

  const markBusy = (slot: Slot, conn: Connection): void => {
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    slot.busy++;
    counters.maxInFlightPerHost = Math.max(counters.maxInFlightPerHost, slot.busy);
    conn.socket.ref();
  };

  const markIdle = (slot: Slot, conn: Connection): void => {
    slot.busy--;
    if (slot.busy > 0 || conn.closed) return;
    conn.socket.unref();
    slot.idleTimer = setTimeout(() => {
      if (slot.busy === 0 && slot.conn === conn) {
        slot.conn = undefined;
        void conn.close();
      }
    }, options.idleTimeoutMs);
    slot.idleTimer.unref();
  };

  const attempt = async <T>(slot: Slot, target: SshTarget, fn: (conn: Connection) => Promise<T>, retry: boolean): Promise<T> => {
    const reused = slot.conn !== undefined && !slot.conn.closed;
    const conn = await connectionFor(slot, target);
    markBusy(slot, conn);
    try {
      return await fn(conn);
    } catch (err) {
      // A reused connection that died under us (host restarted) fails before the command starts: re-dial once.
      if (!(err instanceof ChannelOpenError && reused && retry && !closing)) throw err;
      if (slot.conn === conn) slot.conn = undefined;
      void conn.close();
    } finally {
      markIdle(slot, conn);
    }
    return attempt(slot, target, fn, false);
  };

  return {
    async use(target, signal, fn) {
      if (closing) throw new TransientError('Cancelled', `ssh driver is closed; cannot reach ${describeTarget(target)}`);
      const slot = slotOf(poolKey(target));
      const release = await slot.semaphore.acquire(signal);
      try {
        return await attempt(slot, target, fn, true);
      } finally {
        release();
      }
    },
    async drop(target) {
      const slot = slots.get(poolKey(target));
      const conn = slot?.conn;
      if (!slot || !conn) return;
      slot.conn = undefined;
      await conn.close();
    },
    async close() {
      closing = true;
      const pending: Array<Promise<void>> = [];
      for (const slot of slots.values()) {
        if (slot.idleTimer) clearTimeout(slot.idleTimer);
        if (slot.conn) pending.push(slot.conn.close());
        slot.conn = undefined;
      }
      await Promise.all(pending);
    },
    stats() {
      let open = 0;
      let inFlight = 0;
      for (const slot of slots.values()) {
        if (slot.conn && !slot.conn.closed) open++;
        inFlight += slot.busy;
      }
      return { ...counters, openConnections: open, inFlight };
    },
  };
}
