/**
 * Prune decisions and execution. Pruning deletes only "previously applied minus now declared", and fails closed:
 * policy, kind support, a per-resource opt-out and an empty-looking source each stop it, with the reason recorded.
 */
import { PRUNE_ANNOTATION, type InventoryEntry, type PrunePolicy } from '../model/inventory.js';
import type { PruneTask } from '../model/plan.js';
import type { Resource } from '../model/resource.js';
import type { KindRegistry } from '../kinds/types.js';
import { buildGraph } from './graph.js';
import { pruneOrder } from './order.js';

/** Why an undeclared inventory entry may or may not be deleted; the first rule that says no wins. */
export function pruneDecision(
  entry: InventoryEntry,
  policy: PrunePolicy,
  registry: KindRegistry,
  sourceLooksEmpty: boolean,
): { allowed: boolean; reason: string } {
  if (sourceLooksEmpty) {
    return { allowed: false, reason: 'the source declares no resources while the inventory is not empty: refusing to prune' };
  }
  if (!policy.enabled) return { allowed: false, reason: 'prune is disabled by policy' };
  if (policy.kinds.length > 0 && !policy.kinds.includes(entry.kind)) {
    return { allowed: false, reason: `kind ${entry.kind} is not listed in the prune policy` };
  }
  const mod = registry.get(entry.kind);
  if (!mod) return { allowed: false, reason: `kind ${entry.kind} is not registered` };
  if (!mod.remove) return { allowed: false, reason: `kind ${entry.kind} does not support removal` };
  if (entry.resource.metadata.annotations?.[PRUNE_ANNOTATION] === 'false') {
    return { allowed: false, reason: `resource opts out with ${PRUNE_ANNOTATION}: "false"` };
  }
  return { allowed: true, reason: 'no longer declared' };
}

/**
 * Prune tasks in prune order. Waves come from the dependency graph of the removed resources themselves (as last
 * applied), so a pool is removed before the hosts it used; an unplannable old graph falls back to wave 0.
 */
export function planPrune(
  declared: Resource[],
  inventory: InventoryEntry[],
  policy: PrunePolicy,
  registry: KindRegistry,
): PruneTask[] {
  const declaredKeys = new Set(declared.map((r) => `${r.kind}/${r.metadata.name}`));
  const gone = inventory.filter((e) => !declaredKeys.has(e.key));
  const sourceLooksEmpty = declared.length === 0 && inventory.length > 0;
  let waveOf = new Map<string, number>();
  try {
    const known = gone.filter((e) => registry.has(e.kind)).map((e) => e.resource);
    waveOf = buildGraph(known, registry).wave;
  } catch {
    waveOf = new Map();
  }
  const items = gone.map((e) => ({ entry: e, key: e.key, kind: e.kind, wave: waveOf.get(e.key) ?? 0 }));
  return pruneOrder(items, registry).map(({ entry }) => ({
    key: entry.key,
    kind: entry.kind,
    name: entry.name,
    ...pruneDecision(entry, policy, registry, sourceLooksEmpty),
  }));
}
