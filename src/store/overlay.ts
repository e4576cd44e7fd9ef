/**
 * A store that reads through to another and keeps its own writes in memory: what a plan preview hands its kinds.
 * Some observes record what they saw (a CF snapshot, a machine owner id on first use); a preview of an unmerged
 * change must not leave its view of the world where the main branch's runs read it, and must not wait on or race
 * with their writes beyond a read. Reads see the preview's own writes first, then the shared store.
 */
import type { PutOptions, StateStore, UpdateResult } from './types.js';

type Entry = Buffer | null;

export function createOverlayStore(base: StateStore): StateStore {
  const values = new Map<string, Entry>();
  const logs = new Map<string, string>();
  const id = (ns: string, key: string) => `${ns}\0${key}`;
  const toBuffer = (v: Uint8Array | string): Buffer => (typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v));
  const get = async (ns: string, key: string): Promise<Buffer | undefined> => {
    const own = values.get(id(ns, key));
    if (own === null) return undefined;
    return own ?? base.get(ns, key);
  };
  return {
    location: `overlay:${base.location}`,
    get,
    async put(ns: string, key: string, value: Uint8Array | string, _opts?: PutOptions) {
      values.set(id(ns, key), toBuffer(value));
    },
    async delete(ns: string, key: string) {
      values.set(id(ns, key), null);
    },
    async list(ns: string, prefix = '') {
      const keys = new Set(await base.list(ns, prefix));
      for (const [k, v] of values) {
        const [kns, key] = k.split('\0') as [string, string];
        if (kns !== ns || !key.startsWith(prefix)) continue;
        if (v === null) keys.delete(key);
        else keys.add(key);
      }
      return [...keys].sort();
    },
    async update(ns: string, key: string, fn: (current: Buffer | undefined) => UpdateResult) {
      const current = await get(ns, key);
      const next = fn(current);
      if (next === undefined) return current;
      if (next === null) {
        values.set(id(ns, key), null);
        return undefined;
      }
      const buf = toBuffer(next);
      values.set(id(ns, key), buf);
      return buf;
    },
    async append(ns: string, log: string, text: string) {
      const k = id(ns, log);
      const prev = logs.get(k) ?? (await base.tail(ns, log)) ?? '';
      logs.set(k, prev + (text.endsWith('\n') ? text : `${text}\n`));
    },
    async tail(ns: string, log: string, opts) {
      return logs.get(id(ns, log)) ?? base.tail(ns, log, opts);
    },
    async logs(ns: string, prefix = '') {
      const names = new Set(await base.logs(ns, prefix));
      for (const k of logs.keys()) {
        const [kns, name] = k.split('\0') as [string, string];
        if (kns === ns && name.startsWith(prefix)) names.add(name);
      }
      return [...names].sort();
    },
  };
}
