/**
 * Whether a unit's observation can stand in for a new inspect at publish time. The plan observes every host; the
 * apply in the same run used to inspect them all again (one more SSH round trip per host, ~a quarter of a publish).
 * An observation is trusted when no publish of that unit started in this process since it was taken: then only a
 * concurrent writer can have moved `current`, and the publish's compare-and-swap on `current` catches that (the
 * engine re-plans). Observations are tracked by identity (a WeakMap), so a copy, one from another process or one
 * taken before a publish (a pool's register hook republishing the unit earlier in the run) is not trusted.
 */

const epochs = new Map<string, number>();
const taken = new WeakMap<object, { key: string; epoch: number; rendered: unknown }>();

/**
 * Marks `observed` as taken now for unit `key` (store location + unit name), with what observe rendered: the render
 * depends on the run's resources and on pool membership, which only a register/unregister changes, and those
 * publish the unit (a new epoch), so a fresh observation's render is still the one to publish.
 */
export function markObserved<T extends object>(key: string, observed: T, rendered: unknown): T {
  taken.set(observed, { key, epoch: epochs.get(key) ?? 0, rendered });
  return observed;
}

/** What observe rendered with `observed`, when it is fresh for `key` (see isFresh). */
export function freshRender<R>(key: string, observed: object | undefined): R | undefined {
  return isFresh(key, observed) ? (taken.get(observed as object)?.rendered as R) : undefined;
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
