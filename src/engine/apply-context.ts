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

/** Builds the context for one apply call. */
export function createApplyContext(input: ApplyInput, deps: ApplyContextDeps): ApplyContext {
  const inventory = new Map(input.inventory.map((e) => [e.key, structuredClone(e)] as const));
  const list = (): InventoryEntry[] => [...inventory.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  let chain: Promise<unknown> = Promise.resolve();
  const persist = async (): Promise<string | undefined> => {
    if (!input.onInventory) return undefined;
    const snapshot = structuredClone(list());
    const write = chain.then(() => input.onInventory?.(snapshot));
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
      inventory.set(task.key, {
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
      inventory.delete(key);
      return persist();
    },
    inventoryEntry: (key) => inventory.get(key),
    inventoryList: list,
  };
}
