/**
 * The replay guard of replicas (HA, README "High availability (etcd)"): the ids seen within the window are one key
 * of the shared state store, updated by compare-and-set, so a captured delivery replayed to another replica is
 * refused there too. Any replica may write it (the unfenced store: followers answer webhooks). The embedded daemon
 * keeps its file (rate-limit.ts), so the state dir's layout does not change. With etcd unreachable the replica
 * falls back on its own memory of the window (a replay to the same replica is still refused): a replay elsewhere
 * could then only wake a leader that cannot act without etcd either, while refusing every delivery would lose the
 * real pushes announced during the outage.
 */
import type { StateStore } from '../store/index.js';
import { createReplayGuard, type ReplayGuard } from './rate-limit.js';

/** Namespace of the replay keys in the shared store. */
export const REPLAY_NS = 'webhooks';

export interface SharedReplayOptions {
  store: StateStore;
  /** Key in REPLAY_NS (`replay-ids`, `replay-signatures`). */
  key: string;
  windowMs: number;
  maxEntries?: number;
  now?: () => number;
  /** Told when the shared memory could not be read or written (the local memory decided instead). */
  onError?: (err: unknown) => void;
}

/** Entries still inside the window, oldest first; a malformed value is an empty memory. */
function parse(value: Buffer | undefined, since: number): [string, number][] {
  if (!value) return [];
  let data: unknown;
  try {
    data = JSON.parse(value.toString('utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(data)) return [];
  const ok = data.filter((e): e is [string, number] => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number' && e[1] > since);
  return ok.sort((a, b) => a[1] - b[1]);
}

export function createSharedReplayGuard(opts: SharedReplayOptions): ReplayGuard {
  const now = opts.now ?? Date.now;
  const max = opts.maxEntries ?? 10_000;
  const local = createReplayGuard({ windowMs: opts.windowMs, maxEntries: max, now });
  return {
    async firstSeen(id) {
      const t = now();
      const locallyFirst = local.firstSeen(id);
      let first = false;
      try {
        // `update` may run the function again after losing a race; only the run that was stored decides.
        await opts.store.update(REPLAY_NS, opts.key, (current) => {
          const seen = parse(current, t - opts.windowMs);
          first = !seen.some(([k]) => k === id);
          if (!first) return undefined;
          seen.push([id, t]);
          return JSON.stringify(seen.slice(-max));
        });
      } catch (err) {
        opts.onError?.(err);
        return locallyFirst;
      }
      return first;
    },
  };
}
