/**
 * JSON values and JSON-lines logs over the byte-level StateStore: the encoding every caller uses, in one place, so
 * a backend stores exactly what the file backend always wrote (pretty JSON with a final newline).
 */
import type { PutOptions, StateStore, TailOptions } from './types.js';

const encode = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** The parsed value, or undefined when the key is missing or holds no valid JSON (a torn file of an old version). */
export async function getJson<T>(store: StateStore, ns: string, key: string): Promise<T | undefined> {
  const raw = await store.get(ns, key);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

export function putJson(store: StateStore, ns: string, key: string, value: unknown, opts?: PutOptions): Promise<void> {
  return store.put(ns, key, encode(value), opts);
}

/**
 * Read-modify-write of a JSON value (see StateStore.update): `fn` gets the current value (undefined when missing or
 * unreadable) and returns the new one, `undefined` to leave it, `null` to delete it.
 */
export async function updateJson<T>(
  store: StateStore,
  ns: string,
  key: string,
  fn: (current: T | undefined) => T | undefined | null,
  opts?: PutOptions,
): Promise<T | undefined> {
  let result: T | undefined;
  await store.update(
    ns,
    key,
    (raw) => {
      let current: T | undefined;
      try {
        current = raw === undefined ? undefined : (JSON.parse(raw.toString('utf8')) as T);
      } catch {
        current = undefined;
      }
      const next = fn(current);
      result = next === null ? undefined : (next ?? current);
      return next === undefined ? undefined : next === null ? null : encode(next);
    },
    opts,
  );
  return result;
}

/** Appends records to a JSON-lines log, one line each. */
export async function appendJsonLines(store: StateStore, ns: string, log: string, records: readonly unknown[]): Promise<void> {
  if (records.length === 0) return;
  await store.append(ns, log, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

/** The records at the end of a JSON-lines log (bounded by TailOptions), oldest first; unparsable lines are skipped. */
export async function tailJsonLines<T>(store: StateStore, ns: string, log: string, opts?: TailOptions): Promise<T[]> {
  const text = (await store.tail(ns, log, opts)) ?? '';
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // a line torn by a crash mid-append: the records around it still count
    }
  }
  return out;
}
