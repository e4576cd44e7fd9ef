/**
 * One total order for everything the engine does: wave, then the kind's `order`, then key. Apply walks it
 * forwards and prune walks it backwards, so what was created last is deleted first.
 */
import type { KindRegistry } from '../kinds/types.js';
import type { ResourceKey } from '../model/resource.js';

export interface Orderable {
  key: ResourceKey;
  kind: string;
  wave: number;
}

/** Kinds missing from the registry sort after every known kind rather than failing the sort. */
export function kindOrder(registry: KindRegistry, kind: string): number {
  return registry.get(kind)?.order ?? Number.MAX_SAFE_INTEGER;
}

/** Comparator for the apply order. */
export function compareOrder(registry: KindRegistry): (a: Orderable, b: Orderable) => number {
  return (a, b) =>
    a.wave - b.wave ||
    kindOrder(registry, a.kind) - kindOrder(registry, b.kind) ||
    (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** Sorted copy in apply order. */
export function applyOrder<T extends Orderable>(items: readonly T[], registry: KindRegistry): T[] {
  return [...items].sort(compareOrder(registry));
}

/** Sorted copy in prune order: the exact reverse of the apply order. */
export function pruneOrder<T extends Orderable>(items: readonly T[], registry: KindRegistry): T[] {
  const cmp = compareOrder(registry);
  return [...items].sort((a, b) => cmp(b, a));
}
