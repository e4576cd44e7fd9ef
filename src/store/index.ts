/** The state store's public face: the contract, the embedded file backend, and the JSON helpers. */
export type { PutOptions, StateStore, TailOptions, UpdateResult } from './types.js';
export { DEFAULT_TAIL_BYTES } from './types.js';
export { createFileStore } from './file-store.js';
export { appendJsonLines, getJson, putJson, tailJsonLines, updateJson } from './json.js';
export { createEtcdStore, type EtcdStoreOptions, type WriteGuard } from './etcd/etcd-store.js';
export { connectEtcd, isEtcdUrl, parseEtcdUrl, type EtcdSettings, type EtcdTarget } from './etcd/connect.js';
