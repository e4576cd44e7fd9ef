/**
 * Leader election on an etcd lease, and the fence every external action checks.
 *
 * Each replica keeps one lease (TTL `ttlSeconds`, renewed every TTL/3 by etcd3) and campaigns with one
 * transaction: "if the leader key does not exist, put my identity there under my lease". The winner leads until
 * its lease ends (it stopped, crashed, or lost etcd), when etcd deletes the key and the followers, watching it,
 * campaign again at once (and every TTL/2 anyway, should a watch event be missed).
 *
 * The fence is local and conservative: the lease is known to be held until the send time of the last renewal
 * etcd acknowledged plus the TTL (etcd counts from when it received it, later), so `fence()` refuses as soon as
 * that moment passes without a newer acknowledgement: a leader cut off from etcd stops before its next action
 * within one TTL, before any follower can have been elected. Writes to the shared store carry the same promise
 * in etcd itself (the store's guard compares the leader key), so a write that races the deadline fails there.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Etcd3, Lease, Watcher } from 'etcd3';
import { StalledError } from '../errors.js';
import type { Metrics } from '../metrics/index.js';
import type { WriteGuard } from '../store/index.js';

export type Role = 'leader' | 'follower' | 'unavailable';

/** What /status and /readyz say about leadership. */
export interface LeadershipView {
  role: Role;
  identity: string;
  /** The replica holding the leader key, as last seen. */
  leader?: string;
  /** How long this replica has held the lease it leads with (leaders only). */
  leaseAgeMs?: number;
  /** Why this replica is not acting (etcd unreachable, ...). */
  message?: string;
}

export interface Leadership {
  readonly identity: string;
  isLeader(): boolean;
  /** Throws StalledError NotLeader unless this replica leads and its lease is known to be held now. */
  fence(): void;
  /** The comparison fenced store writes carry (the leader key holds this identity). */
  guard(): WriteGuard;
  view(): LeadershipView;
  /** `elected` after winning; `deposed` after losing the lease or the key. */
  on(event: 'elected' | 'deposed', fn: () => void): void;
  /** Resigns (revokes the lease, so a follower takes over at once) and stops campaigning. */
  stop(): Promise<void>;
}

export interface LeadershipOptions {
  client: Etcd3;
  /** The leader key (absolute), e.g. `driftless/leader`. */
  key: string;
  ttlSeconds: number;
  identity?: string;
  metrics?: Metrics;
  onLog?: (msg: string, fields?: Record<string, unknown>) => void;
}

export function defaultIdentity(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export async function startLeadership(opts: LeadershipOptions): Promise<Leadership> {
  const { client, key } = opts;
  const identity = opts.identity ?? defaultIdentity();
  const ttlMs = opts.ttlSeconds * 1000;
  const listeners = { elected: [] as (() => void)[], deposed: [] as (() => void)[] };
  let lease: Lease | undefined;
  let leading = false;
  let leadingSince = 0;
  /** Create revision of the leader key this replica wrote when elected (the write guard). */
  let leaderRevision = '0';
  let heldUntil = 0;
  let leader: string | undefined;
  let etcdProblem: string | undefined;
  let stopped = false;
  let campaigning: Promise<void> | undefined;
  let watcher: Watcher | undefined;

  const log = (msg: string, fields?: Record<string, unknown>) => opts.onLog?.(msg, fields);
  const emit = (e: 'elected' | 'deposed') => {
    for (const fn of listeners[e]) fn();
  };

  function depose(why: string): void {
    if (!leading) return;
    leading = false;
    opts.metrics?.inc('driftless_leadership_changes_total', { role: 'follower' });
    log('leadership lost', { identity, why });
    emit('deposed');
  }

  function newLease(): Lease {
    // etcd grants the lease when it receives the request, after this moment: held until now + TTL at least.
    let firedAt = Date.now();
    heldUntil = firedAt + ttlMs;
    const l = client.lease(opts.ttlSeconds);
    l.on('keepaliveFired', () => {
      firedAt = Date.now();
    });
    l.on('keepaliveSucceeded', () => {
      if (lease !== l) return;
      heldUntil = firedAt + ttlMs;
      etcdProblem = undefined;
    });
    l.on('lost', (err) => {
      if (lease !== l) return;
      lease = undefined;
      etcdProblem = `lease lost: ${err.message}`;
      depose('lease lost');
      kick();
    });
    return l;
  }

  async function campaign(): Promise<void> {
    if (stopped) return;
    try {
      lease ??= newLease();
      const id = await lease.grant();
      const res = await client
        .if(key, 'Create', '==', 0)
        .then(client.put(key).value(identity).lease(id))
        .else(client.get(key))
        .commit();
      etcdProblem = undefined;
      const kv = res.responses[0]?.response_range?.kvs[0];
      const holder = res.succeeded ? identity : kv?.value.toString();
      leader = holder;
      // The key is ours when this transaction created it, or when it carries our lease (a retry after a lost
      // answer); a key naming us under another lease belongs to another process given the same name.
      const ours = res.succeeded || (kv !== undefined && String(kv.lease) === String(id));
      if (res.succeeded) leaderRevision = res.header.revision;
      else if (ours) leaderRevision = kv!.create_revision;
      if (ours && !leading && !stopped) {
        opts.metrics?.inc('driftless_leader_elections_total', { result: 'won' });
        opts.metrics?.inc('driftless_leadership_changes_total', { role: 'leader' });
        leading = true;
        leadingSince = Date.now();
        log('elected leader', { identity });
        emit('elected');
      } else if (!ours) {
        if (!res.succeeded) opts.metrics?.inc('driftless_leader_elections_total', { result: 'lost' });
        depose(`the leader key names ${holder ?? 'nobody'}`);
      }
    } catch (err) {
      etcdProblem = `etcd unreachable: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  /** One campaign at a time; a kick while one runs is covered by it or the next tick. */
  function kick(): void {
    if (stopped || campaigning) return;
    campaigning = campaign().finally(() => {
      campaigning = undefined;
    });
  }

  let watching = false;
  async function watch(): Promise<void> {
    if (watching || watcher) return;
    watching = true;
    try {
      watcher = await client.watch().key(key).create();
      watcher.on('delete', () => {
        leader = undefined;
        if (leading) depose('the leader key was deleted');
        kick();
      });
      watcher.on('put', (kv) => {
        leader = kv.value.toString();
        if (leading && kv.create_revision !== leaderRevision) depose(`the leader key was written again, by ${leader}`);
      });
      watcher.on('error', () => undefined);
    } catch (err) {
      etcdProblem = `etcd unreachable: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      watching = false;
    }
  }

  // The tick: campaign when following, and depose a leader whose lease deadline passed (it may never hear why).
  const tickMs = Math.max(250, Math.floor(ttlMs / 4));
  const tick = setInterval(() => {
    if (leading && Date.now() >= heldUntil) {
      etcdProblem ??= 'lease renewal not acknowledged within the TTL';
      depose('lease renewal not acknowledged within the TTL');
    }
    if (!leading) kick();
    if (!watcher) void watch();
  }, tickMs);
  tick.unref();

  await watch();
  kick();
  await campaigning;

  const isLeader = (): boolean => leading && Date.now() < heldUntil;
  return {
    identity,
    isLeader,
    fence() {
      if (!isLeader()) {
        throw new StalledError('NotLeader', `replica ${identity} is not the leader${etcdProblem ? ` (${etcdProblem})` : ''}: action not taken`);
      }
    },
    // Before any election (revision 0) the guard matches no existing key: a write then fails, as it should.
    guard: () => ({ key, createRevision: leaderRevision === '0' ? '-1' : leaderRevision }),
    view() {
      const role: Role = isLeader() ? 'leader' : etcdProblem ? 'unavailable' : 'follower';
      return {
        role,
        identity,
        ...(leader ? { leader } : {}),
        ...(role === 'leader' ? { leaseAgeMs: Date.now() - leadingSince } : {}),
        ...(etcdProblem && role !== 'leader' ? { message: etcdProblem } : {}),
      };
    },
    on(event, fn) {
      listeners[event].push(fn);
    },
    async stop() {
      stopped = true;
      clearInterval(tick);
      await campaigning;
      depose('stopping');
      await watcher?.cancel().catch(() => undefined);
      await lease?.revoke().catch(() => undefined);
    },
  };
}
