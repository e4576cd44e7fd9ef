/**
 * Whether a unit's observation can stand in for a new inspect at publish time. The plan observes every host; the
 * apply in the same run used to inspect them all again (one more SSH round trip per host, ~a quarter of a publish).
 * An observation is trusted when no publish of that unit started in this process since it was taken: then only a
 * concurrent writer can have moved `current`, and the publish's compare-and-swap on `current` catches that (the
 * engine re-plans). Observations are tracked by identity (a WeakMap), so a copy, one from another process or one
 * taken before a publish (a pool's register hook republishing the unit earlier in the run) is not trusted.
 */

const epochs = new Map<string, number>();
const taken = new WeakMap<object, { key: string; epoch: number }>();

/** Marks `observed` as taken now for unit `key` (store location + unit name). */
export function markObserved<T extends object>(key: string, observed: T): T {
  taken.set(observed, { key, epoch: epochs.get(key) ?? 0 });
  return observed;
}

/** A publish of unit `key` is starting (or retrying): every observation taken before it is stale. */
export function publishStarting(key: string): void {
  epochs.set(key, (epochs.get(key) ?? 0) + 1);
}

/** True when `observed` was marked for `key` and no publish of `key` started since. */
export function isFresh(key: string, observed: object | undefined): boolean {
  const t = observed ? taken.get(observed) : undefined;
  return t !== undefined && t.key === key && t.epoch === (epochs.get(key) ?? 0);
}
