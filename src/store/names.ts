/**
 * Names every backend accepts, checked the same way everywhere so a key valid on disk is valid in etcd too: a
 * namespace is one lower-case word; a key or log is `/`-separated segments of letters, digits, `.`, `_`, `@`, `-`
 * that never start with a dot (no `..`, no hidden or temp files). Keys and logs differ by their last segment only.
 */
import { StalledError } from '../errors.js';

const NS_RE = /^[a-z][a-z0-9-]*$/;
const SEGMENT_RE = /^[A-Za-z0-9_@][A-Za-z0-9._@-]*$/;
/** A log's last segment; a key's last segment must not look like one (nor like a temp file). */
export const LOG_SUFFIX = /\.(log|jsonl)$/;
const TEMP_SUFFIX = /\.tmp$/;

function segmentsOk(name: string): boolean {
  return name.length > 0 && name.length <= 512 && name.split('/').every((s) => SEGMENT_RE.test(s) && !TEMP_SUFFIX.test(s));
}

/** Throws unless `ns` is a namespace name. */
export function checkNamespace(ns: string): void {
  if (!NS_RE.test(ns)) throw new StalledError('UnsafePath', `invalid state store namespace ${JSON.stringify(ns)}`);
}

/** Throws unless `key` is a key of `ns` (and not a log name). */
export function checkKey(ns: string, key: string): void {
  checkNamespace(ns);
  if (!segmentsOk(key) || LOG_SUFFIX.test(key)) throw new StalledError('UnsafePath', `invalid state store key ${ns}/${JSON.stringify(key)}`);
}

/** Throws unless `log` is a log name of `ns`. */
export function checkLog(ns: string, log: string): void {
  checkNamespace(ns);
  if (!segmentsOk(log) || !LOG_SUFFIX.test(log)) throw new StalledError('UnsafePath', `invalid state store log ${ns}/${JSON.stringify(log)} (a log name ends in .log or .jsonl)`);
}
