/**
 * Both ends of `driftless state migrate`, seen the same way: the journal (as data), the host-key pins (as text),
 * and the kind namespaces of the state store with their keys and logs. A directory is the embedded layout
 * (`journal.json`, `known_hosts.json`, `<ns>/...`); an etcd URL is the shared layout (journal and pins are keys
 * of the store there, src/ha/index.ts).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { acquireLock, openJournal, openJournalReadOnly, secureStateDir, type JournalData, type Lock } from '../journal/index.js';
import { openStoreJournal, JOURNAL_NS } from '../journal/store-journal.js';
import type { OperatorSecretResolver } from '../secrets/operator.js';
import { createEtcdStore, createFileStore, type StateStore } from '../store/index.js';
import type { EtcdSettings } from '../store/etcd/connect.js';
import { fileKnownHosts, type KnownHostsStorage } from '../drivers/ssh/known-hosts.js';
import { KNOWN_HOSTS_NS, storeKnownHosts } from './known-hosts.js';

/** Directories of a state dir that are each machine's own (caches, build logs, the lab), never migrated. */
export const LOCAL_ONLY = new Set(['git-cache', 'cache', 'builds', 'lab', 'webhooks', 'status', 'status-cache']);
const NS_RE = /^[a-z][a-z0-9-]*$/;

export interface StateEndpoint {
  location: string;
  store: StateStore;
  readJournal(): Promise<JournalData | undefined>;
  writeJournal(data: JournalData): Promise<void>;
  knownHosts: KnownHostsStorage;
  /** Kind namespaces holding keys or logs (the journal's and the pins' excluded). */
  namespaces(): Promise<string[]>;
  close(): Promise<void>;
}

export async function dirEndpoint(dir: string): Promise<StateEndpoint> {
  await secureStateDir(dir);
  // Nobody else writes it meanwhile: a daemon or an apply on this dir holds the same lock.
  const lock: Lock = await acquireLock(dir);
  const path = join(dir, 'journal.json');
  return {
    location: dir,
    store: createFileStore(dir),
    readJournal: async () => (existsSync(path) ? (await openJournalReadOnly(path)).read() : undefined),
    async writeJournal(data) {
      const j = await openJournal(path);
      await j.update(() => data);
    },
    knownHosts: fileKnownHosts(join(dir, 'known_hosts.json')),
    async namespaces() {
      const entries = await readdir(dir, { withFileTypes: true });
      return entries.filter((e) => e.isDirectory() && NS_RE.test(e.name) && !LOCAL_ONLY.has(e.name)).map((e) => e.name).sort();
    },
    close: () => lock.release(),
  };
}

export async function etcdEndpoint(url: string, settings: EtcdSettings, secrets: OperatorSecretResolver): Promise<StateEndpoint & { client: Etcd3 }> {
  const { connectEtcd, parseEtcdUrl } = await import('../store/etcd/connect.js');
  const target = parseEtcdUrl(url);
  const { client, sealKey } = await connectEtcd(target, settings, secrets);
  const store = createEtcdStore({ client, prefix: target.prefix, location: url, ...(sealKey ? { sealKey } : {}) });
  return {
    location: url,
    client,
    store,
    async readJournal() {
      if ((await store.get(JOURNAL_NS, 'journal.json')) === undefined) return undefined;
      return (await openStoreJournal(store)).read();
    },
    async writeJournal(data) {
      await (await openStoreJournal(store)).update(() => data);
    },
    knownHosts: storeKnownHosts(store, url),
    async namespaces() {
      const keys = await client.getAll().prefix(target.prefix).keys();
      const names = new Set<string>();
      for (const k of keys) {
        const [part, ns] = k.slice(target.prefix.length).split('/');
        if ((part === 'kv' || part === 'logseq') && ns && ns !== JOURNAL_NS && ns !== KNOWN_HOSTS_NS && !LOCAL_ONLY.has(ns)) names.add(ns);
      }
      return [...names].sort();
    },
    close: async () => client.close(),
  };
}

/** Reads a file of the operator (the settings file's `etcd:` section), for the CLI. */
export async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
