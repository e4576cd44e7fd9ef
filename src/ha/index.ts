/**
 * HA mode (`state: etcd://...`): the pieces a replica needs, over one etcd client.
 * - `shared`: the journal, kind state and host-key pins in etcd, every write fenced by the leader key (a deposed
 *   leader's write fails in etcd itself), and the fence the engine and the SSH driver check before acting;
 * - `leadership`: the election (leader.ts);
 * - wake-ups: a webhook that reaches a follower is answered 202 there and written to the wake key; the leader
 *   watches that key and starts a run, so the forge never has to know which replica leads;
 * - followers refresh their copy of the journal on a watch of its key, and answer HTTP from it (the last known
 *   state when etcd is unreachable, and /status says so).
 */
import type { Etcd3, Watcher } from 'etcd3';
import type { Logger as PinoLogger } from 'pino';
import type { DaemonConfig } from '../config/index.js';
import { openStoreJournal, type StoreJournal } from '../journal/store-journal.js';
import type { Metrics } from '../metrics/index.js';
import type { SharedState } from '../reconcile/runtime.js';
import type { OperatorSecretResolver } from '../secrets/operator.js';
import { createEtcdStore, type StateStore } from '../store/index.js';
import { startLeadership, type Leadership } from './leader.js';
import { storeKnownHosts } from './known-hosts.js';

export interface Ha {
  leadership: Leadership;
  /** For the runtime: fenced store and journal, known hosts, fence. */
  shared: SharedState & { journal: StoreJournal };
  /** Unfenced: what any replica may write. */
  open: StateStore;
  /** Asks the leader for a run (any replica; the leader's watch turns it into a loop trigger). */
  wake(reason: string): Promise<void>;
  onWake(fn: (reason: string) => void): void;
  close(): Promise<void>;
}

export interface HaOptions {
  config: DaemonConfig;
  secrets: OperatorSecretResolver;
  metrics: Metrics;
  logger: PinoLogger;
}

/** Watches one key until closed, re-creating the watch after errors (etcd3 also reconnects it on its own). */
async function watchKey(client: Etcd3, key: string, onPut: (value: Buffer) => void): Promise<Watcher> {
  const w = await client.watch().key(key).create();
  w.on('put', (kv) => onPut(kv.value));
  w.on('error', () => undefined);
  return w;
}

export async function openHa(opts: HaOptions): Promise<Ha> {
  const { config, logger } = opts;
  // etcd3 brings gRPC: loaded only in HA mode.
  const { connectEtcd, parseEtcdUrl } = await import('../store/etcd/connect.js');
  const target = parseEtcdUrl(config.state!);
  const { client, sealKey } = await connectEtcd(target, config.etcd, opts.secrets);
  const location = `${config.state}`;
  const leadership = await startLeadership({
    client,
    key: `${target.prefix}leader`,
    ttlSeconds: config.etcd.leaseTtlSeconds ?? 10,
    ...(config.etcd.name ? { identity: config.etcd.name } : {}),
    metrics: opts.metrics,
    onLog: (msg, fields) => logger.info(fields ?? {}, msg),
  });
  const base = { client, prefix: target.prefix, location, ...(sealKey ? { sealKey } : {}) };
  const fenced = createEtcdStore({ ...base, guard: () => leadership.guard() });
  const open = createEtcdStore(base);
  const journal = await openStoreJournal(fenced);
  const watchers: Watcher[] = [];
  let refreshing: Promise<void> | undefined;
  let again = false;
  const refresh = (): void => {
    if (leadership.isLeader()) return;
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = journal
      .refresh()
      .catch((err: unknown) => logger.warn({ err }, 'journal refresh from etcd failed; serving the last known copy'))
      .finally(() => {
        refreshing = undefined;
        if (again) {
          again = false;
          refresh();
        }
      });
  };
  watchers.push(await watchKey(client, `${target.prefix}kv/journal/journal.json`, refresh));
  const wakeFns: ((reason: string) => void)[] = [];
  watchers.push(
    await watchKey(client, `${target.prefix}wake`, (value) => {
      if (!leadership.isLeader()) return;
      let reason = 'wake';
      try {
        const r = (JSON.parse(value.toString()) as { reason?: unknown }).reason;
        if (typeof r === 'string' && /^[a-z:-]{1,40}$/.test(r)) reason = r;
      } catch {
        // a wake-up is a wake-up whatever it says
      }
      for (const fn of wakeFns) fn(reason);
    }),
  );
  // A new leader starts from what the previous one recorded, not from its own copy.
  leadership.on('deposed', refresh);
  return {
    leadership,
    shared: { store: fenced, journal, knownHosts: storeKnownHosts(fenced, location), fence: () => leadership.fence() },
    open,
    async wake(reason) {
      await client.put(`${target.prefix}wake`).value(JSON.stringify({ reason, from: leadership.identity, at: new Date().toISOString() }));
    },
    onWake(fn) {
      wakeFns.push(fn);
    },
    async close() {
      for (const w of watchers) await w.cancel().catch(() => undefined);
      await leadership.stop();
      client.close();
    },
  };
}
