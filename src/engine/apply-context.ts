/**
 * Per-apply state shared by the wave runner, the health gate and the prune phase: the live inventory (persisted
 * through `onInventory` after every change, serialised, so a crash loses nothing), failure roots and events.
 */
import { describe } from '../errors.js';
import type { KindContext, KindRegistry } from '../kinds/types.js';
import type { InventoryEntry } from '../model/inventory.js';
import type { Task } from '../model/plan.js';
import type { ResourceKey } from '../model/resource.js';
import type { Sleep } from './retry.js';
import type { ApplyInput, EngineEvent, EngineOptions } from './types.js';

export interface ApplyContext {
  registry: KindRegistry;
  options: EngineOptions;
  sleep: Sleep;
  random: () => number;
  ctx: KindContext;
  emit: (e: EngineEvent) => void;
  /** Failed or skipped keys, mapped to the key whose failure started the chain. */
  failedRoot: Map<ResourceKey, ResourceKey>;
  /**
   * Records a task in the inventory (always after an apply; for a noop only when missing or stale) and persists.
   * Resolves to an error message when persisting failed, undefined otherwise.
   */
  record(task: Task, applied: boolean): Promise<string | undefined>;
  /** Drops a pruned entry and persists. */
  forget(key: ResourceKey): Promise<string | undefined>;
  inventoryEntry(key: ResourceKey): InventoryEntry | undefined;
  inventoryList(): InventoryEntry[];
}

export interface ApplyContextDeps {
  registry: KindRegistry;
  options: EngineOptions;
  sleep: Sleep;
  random: () => number;
  now: () => Date;
}

/** Why this process may not act now (a deposed HA leader: KindContext.fence), or undefined. */
export function fenceProblem(ctx: KindContext): string | undefined {
  try {
    ctx.fence?.();
    return undefined;
  } catch (err) {
    return describe(err);
  }
}

/** Index of `key` in the sorted `keys`, or where it would be inserted (binary search). */
function slotOf(keys: ResourceKey[], key: ResourceKey): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as ResourceKey) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Builds the context for one apply call. Persisting is a group commit: at most one `onInventory` write runs at a
 * time, and every change made while it runs is covered by ONE next write whose snapshot is taken when it starts.
 * Each caller still resumes only after a write that includes its change, but a large apply of instant tasks no
 * longer snapshots the whole inventory once per task (that made applies quadratic in resource count). Entries are
 * replaced, never mutated, so a snapshot is a new array of shared, frozen entries rather than a deep copy.
 */
export function createApplyContext(input: ApplyInput, deps: ApplyContextDeps): ApplyContext {
  const inventory = new Map(input.inventory.map((e) => [e.key, Object.freeze(structuredClone(e))] as const));
  /** The inventory's keys in sorted order, kept sorted as entries come and go. */
  const keys = [...inventory.keys()].sort();
  const list = (): InventoryEntry[] => keys.map((k) => inventory.get(k) as InventoryEntry);
  const put = (entry: InventoryEntry): void => {
    if (!inventory.has(entry.key)) keys.splice(slotOf(keys, entry.key), 0, entry.key);
    inventory.set(entry.key, Object.freeze(entry));
  };
  const drop = (key: ResourceKey): void => {
    if (inventory.delete(key)) keys.splice(slotOf(keys, key), 1);
  };
  let chain: Promise<unknown> = Promise.resolve();
  let next: Promise<void> | undefined;
  const persist = async (): Promise<string | undefined> => {
    const save = input.onInventory;
    if (!save) return undefined;
    next ??= chain.then(() => {
      next = undefined;
      return save(list());
    });
    const write = next;
    chain = write.catch(() => undefined);
    try {
      await write;
      return undefined;
    } catch (err) {
      return describe(err);
    }
  };
  const emit = (e: EngineEvent): void => {
    try {
      input.onEvent?.(e);
    } catch {
      // a broken progress listener must not break the apply
    }
  };
  return {
    registry: deps.registry,
    options: deps.options,
    sleep: deps.sleep,
    random: deps.random,
    ctx: input.ctx,
    emit,
    failedRoot: new Map(),
    async record(task, applied) {
      const prev = inventory.get(task.key);
      if (!applied && prev && prev.digest === task.digest) return undefined;
      put({
        key: task.key,
        kind: task.kind,
        name: task.name,
        digest: task.digest,
        revision: input.plan.revision,
        appliedAt: deps.now().toISOString(),
        resource: structuredClone(task.desired),
      });
      return persist();
    },
    async forget(key) {
      drop(key);
      return persist();
    },
    inventoryEntry: (key) => inventory.get(key),
    inventoryList: list,
  };
}
