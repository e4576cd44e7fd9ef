/**
 * Host-key pins in the shared store (`ssh/known_hosts`), same text as the embedded `known_hosts.json`: every
 * replica trusts the keys the first of them pinned, and a changed host key is refused by all of them alike.
 */
import type { KnownHostsStorage } from '../drivers/ssh/index.js';
import type { StateStore } from '../store/index.js';

export const KNOWN_HOSTS_NS = 'ssh';
export const KNOWN_HOSTS_KEY = 'known_hosts';

export function storeKnownHosts(store: StateStore, location: string): KnownHostsStorage {
  return {
    where: `${location} ${KNOWN_HOSTS_NS}/${KNOWN_HOSTS_KEY} (driftless state migrate, or etcdctl)`,
    read: async () => (await store.get(KNOWN_HOSTS_NS, KNOWN_HOSTS_KEY))?.toString('utf8'),
    write: (text) => store.put(KNOWN_HOSTS_NS, KNOWN_HOSTS_KEY, text),
  };
}
