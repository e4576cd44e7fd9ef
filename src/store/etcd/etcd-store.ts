/**
 * The shared backend: a StateStore in etcd, for replicas of the daemon (README "High availability"). Every
 * read-modify-write is a compare-and-set on the key's mod_revision in one etcd transaction, retried with a fresh
 * read (so `update`'s function may run more than once, as the contract allows). A store built with a `guard` also
 * puts the guard's comparison (the leader key is still the one this replica created) into every write's transaction:
 * a deposed leader's write fails with NotLeader instead of overwriting the new leader's state. Values written as
 * secret are sealed (envelope.ts); values above a chunk are split (chunks.ts); logs are one key per record.
 */
import type { Etcd3, Namespace } from 'etcd3';
import { StalledError } from '../../errors.js';
import { checkKey, checkLog, checkNamespace } from '../names.js';
import { DEFAULT_TAIL_BYTES, type PutOptions, type StateStore, type UpdateResult } from '../types.js';
import { CHUNK_BYTES, dropChunks, isChunkHead, readChunks, writeChunks } from './chunks.js';
import { isSealed, open, seal, type SealKey } from './envelope.js';
import { aadOf, kvKey, kvPrefix, logEntries, logEntry, logSeq, logSeqPrefix } from './layout.js';
import { tailOf } from './tail.js';

/**
 * A comparison every fenced write must pass, on `key` (absolute, outside the prefix): its create revision is
 * `createRevision` (the leader key as this replica created it when elected: unique per election, so even a
 * restarted replica of the same name cannot pass for the old one), or, without it, its value is `value`.
 */
export interface WriteGuard {
  key: string;
  value?: string;
  createRevision?: string;
}

export interface EtcdStoreOptions {
  client: Etcd3;
  /** Key prefix of this store (`driftless/`). */
  prefix: string;
  /** Shown in messages: `etcd://h1:2379,h2:2379/driftless/`. */
  location: string;
  /** Key of secret values; without it a secret write is refused (never stored in the clear). */
  sealKey?: SealKey;
  /** Fencing (see the file comment); absent for writes any replica may make (webhook replay ids). */
  guard?: () => WriteGuard;
}

const MAX_CAS_ATTEMPTS = 200;

export function createEtcdStore(opts: EtcdStoreOptions): StateStore {
  const { client } = opts;
  const kv: Namespace = client.namespace(opts.prefix);

  /** A transaction on `kv` with the guard's comparison (on the root client: the leader key is outside the prefix). */
  function txn(compares: [key: string, column: 'Mod' | 'Create', value: number | string][]) {
    const guard = opts.guard?.();
    let b = !guard
      ? undefined
      : guard.createRevision !== undefined
        ? client.if(guard.key, 'Create', '==', guard.createRevision)
        : client.if(guard.key, 'Value', '==', guard.value ?? '');
    for (const [key, column, value] of compares) {
      const full = opts.prefix + key;
      b = b ? b.and(full, column, '==', value) : client.if(full, column, '==', value);
    }
    return b!;
  }

  /** After a failed transaction: NotLeader when the guard no longer holds, else nothing (a plain CAS conflict). */
  async function checkGuard(): Promise<void> {
    const guard = opts.guard?.();
    if (!guard) return;
    const hit = (await client.get(guard.key).exec()).kvs[0];
    const holds = guard.createRevision !== undefined ? hit?.create_revision === guard.createRevision : hit?.value.toString() === guard.value;
    if (!holds) throw new StalledError('NotLeader', `not the leader any more (leader key holds ${hit?.value.toString() ?? 'nothing'}): write refused`);
  }

  async function encode(ns: string, key: string, value: Uint8Array | string, secret: boolean | undefined): Promise<Buffer> {
    let bytes: Buffer = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
    if (secret) {
      if (!opts.sealKey) throw new StalledError('SecretUnavailable', `state value ${ns}/${key} is secret and the shared store has no encryption key (etcd.encryptionKey)`);
      bytes = seal(opts.sealKey, aadOf(ns, key), bytes);
    }
    return bytes.length > CHUNK_BYTES ? writeChunks(kv, ns, key, bytes) : bytes;
  }

  /** The stored bytes (a head or a value) with their mod_revision, and the revision they were read at. */
  async function raw(ns: string, key: string): Promise<{ value?: Buffer; mod: string; rev: string }> {
    const res = await kv.get(kvKey(ns, key)).exec();
    const hit = res.kvs[0];
    return { ...(hit ? { value: hit.value } : {}), mod: hit?.mod_revision ?? '0', rev: res.header.revision };
  }

  async function decode(ns: string, key: string, stored: Buffer | undefined, rev: string): Promise<Buffer | undefined> {
    if (!stored) return undefined;
    const value = isChunkHead(stored) ? await readChunks(kv, ns, key, stored, rev) : stored;
    return isSealed(value) ? open(opts.sealKey, aadOf(ns, key), value) : value;
  }

  /** One write, conditional on the key's mod_revision and on the guard; false when a condition failed. */
  async function write(ns: string, key: string, bytes: Buffer | null, expectMod: string): Promise<boolean> {
    const action = bytes === null ? kv.delete().key(kvKey(ns, key)) : kv.put(kvKey(ns, key)).value(bytes);
    return (await txn([[kvKey(ns, key), 'Mod', expectMod]]).then(action).commit()).succeeded;
  }

  const store: StateStore = {
    location: opts.location,
    async get(ns, key) {
      checkKey(ns, key);
      const r = await raw(ns, key);
      return decode(ns, key, r.value, r.rev);
    },
    async put(ns, key, value, o?: PutOptions) {
      // Through the CAS loop: the old value's chunks are known (and removed) only by reading it first.
      await store.update(ns, key, () => value, o);
    },
    async delete(ns, key) {
      await store.update(ns, key, (cur) => (cur === undefined ? undefined : null));
    },
    async list(ns, prefix = '') {
      checkNamespace(ns);
      const strip = kvPrefix(ns).length;
      return (await kv.getAll().prefix(kvPrefix(ns, prefix)).keys()).map((k) => k.slice(strip)).sort();
    },
    async update(ns, key, fn: (current: Buffer | undefined) => UpdateResult, o?: PutOptions) {
      checkKey(ns, key);
      for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
        const r = await raw(ns, key);
        const current = await decode(ns, key, r.value, r.rev);
        const next = fn(current);
        if (next === undefined) return current;
        const bytes = next === null ? null : await encode(ns, key, next, o?.secret);
        if (await write(ns, key, bytes, r.mod)) {
          await dropChunks(kv, ns, key, r.value);
          return next === null ? undefined : Buffer.from(next);
        }
        if (bytes && isChunkHead(bytes)) await dropChunks(kv, ns, key, bytes);
        await checkGuard();
      }
      throw new StalledError('StateStoreUnavailable', `update of ${ns}/${key} lost ${MAX_CAS_ATTEMPTS} compare-and-set races in a row`);
    },
    async append(ns, log, text) {
      checkLog(ns, log);
      const line = text.endsWith('\n') ? text : `${text}\n`;
      for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
        const res = await kv.get(logSeq(ns, log)).exec();
        const hit = res.kvs[0];
        const seq = Number(hit?.value.toString() ?? '0') + 1;
        const done = await txn([[logSeq(ns, log), 'Mod', hit?.mod_revision ?? '0']])
          .then(kv.put(logSeq(ns, log)).value(String(seq)), kv.put(logEntry(ns, log, seq)).value(line))
          .commit();
        if (done.succeeded) return;
        await checkGuard();
      }
      throw new StalledError('StateStoreUnavailable', `append to ${ns}/${log} lost ${MAX_CAS_ATTEMPTS} races in a row`);
    },
    async tail(ns, log, o) {
      checkLog(ns, log);
      if (!(await kv.get(logSeq(ns, log)).exists())) return undefined;
      return tailOf(kv, logEntries(ns, log), o?.maxBytes ?? DEFAULT_TAIL_BYTES);
    },
    async logs(ns, prefix = '') {
      checkNamespace(ns);
      const strip = logSeqPrefix(ns).length;
      return (await kv.getAll().prefix(logSeqPrefix(ns, prefix)).keys()).map((k) => k.slice(strip)).sort();
    },
  };
  return store;
}
