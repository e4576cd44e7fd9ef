/**
 * The one state store for everything a kind (and later the daemon) keeps between runs: machine keys, the quota
 * ledger, nginx publish history, CF snapshots and install logs, pool rotation and restart records. Kinds get it
 * from `KindContext.store` and never write files of their own, so a second backend (etcd, issue 16) can hold the
 * same state for several replicas without touching a kind.
 *
 * Shape: namespaces (`machines`, `nginx`, `cf`, `pools`) of keys made of `/`-separated segments, each holding bytes
 * (JSON through store/json.ts); and, beside them, append-only logs (histories, install logs) read back by a bounded
 * tail. A log's last segment ends in `.log` or `.jsonl` and a key's never does, so the embedded file backend keeps
 * both in one directory tree exactly as the state dir has always laid them out. For the same reason a key is never
 * also the group of other keys (`a/b` and `a/b/c` cannot both hold values); callers name leaves distinctly.
 *
 * Consistency the callers rely on today: one process writes a state dir (journal/lock.ts), and each key has a single
 * writer within it; `update` is atomic against other `update`s of the same key on the same store (serialised in
 * process). A shared backend must keep that promise across processes with compare-and-set on the key's revision
 * (retrying `fn`), and fence writes with the leader's lease: that is why read-modify-write goes through `update`
 * and never through a `get` followed by a `put`.
 */

/** Options of a write. */
export interface PutOptions {
  /**
   * The value must be encrypted at rest by a backend shared beyond this machine (machine private keys, client
   * tokens). Such a backend stores it in a self-describing envelope, so reads need no flag. The file backend keeps
   * every file 0600 under a 0700 state dir and writes it as is.
   */
  secret?: boolean;
}

/** A bounded read of a log's end. */
export interface TailOptions {
  /** At most this many bytes from the end, cut at a line start (default 8 MiB). */
  maxBytes?: number;
}

/** What `update`'s function returns: the new value, `undefined` to leave the key as it is, `null` to delete it. */
export type UpdateResult = Uint8Array | string | undefined | null;

export interface StateStore {
  /** Where the state lives, for messages (`file:/var/lib/driftless`). */
  readonly location: string;
  /** The value, or undefined when there is none. */
  get(ns: string, key: string): Promise<Buffer | undefined>;
  /** Replaces the value atomically: a reader sees the old value or the new one, never a mix. */
  put(ns: string, key: string, value: Uint8Array | string, opts?: PutOptions): Promise<void>;
  /** Removes the key; removing a missing key is not an error. */
  delete(ns: string, key: string): Promise<void>;
  /** Keys of the namespace starting with `prefix` (segment-wise or not: a plain string prefix), sorted. */
  list(ns: string, prefix?: string): Promise<string[]>;
  /**
   * Read-modify-write of one key, atomic against other updates of it: `fn` gets the current value and returns the
   * new one (see UpdateResult). Resolves to the value now stored. `fn` may run more than once on a shared backend.
   */
  update(ns: string, key: string, fn: (current: Buffer | undefined) => UpdateResult, opts?: PutOptions): Promise<Buffer | undefined>;
  /** Appends text to a log (a newline is added when missing); logs are never rewritten. */
  append(ns: string, log: string, text: string): Promise<void>;
  /** The log's end (see TailOptions), or undefined when the log does not exist. */
  tail(ns: string, log: string, opts?: TailOptions): Promise<string | undefined>;
  /** Names of the logs of the namespace starting with `prefix`, sorted. */
  logs(ns: string, prefix?: string): Promise<string[]>;
}

/** Default bound of `tail`. */
export const DEFAULT_TAIL_BYTES = 8 * 1024 * 1024;
