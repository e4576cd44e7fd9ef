/** The state store's public face: the contract, the embedded file backend, and the JSON helpers. */
export type { PutOptions, StateStore, TailOptions, UpdateResult } from './types.js';
export { DEFAULT_TAIL_BYTES } from './types.js';
export { createFileStore } from './file-store.js';
export { createOverlayStore } from './overlay.js';
export { appendJsonLines, getJson, putJson, tailJsonLines, updateJson } from './json.js';
export { createEtcdStore, type EtcdStoreOptions, type WriteGuard } from './etcd/etcd-store.js';
// connect.ts (etcd3, gRPC) is imported lazily by the runtime: the embedded default never loads it.
