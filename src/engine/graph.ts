/**
 * The dependency graph of one revision. Waves are longest-path depths so that everything a resource needs is in
 * an earlier wave; a cycle is a human's mistake, reported as a StalledError that names the whole path.
 */
import { StalledError } from '../errors.js';
import type { KindModule, KindRegistry } from '../kinds/types.js';
import { keyOf, type Resource, type ResourceKey } from '../model/resource.js';

export interface ResourceGraph {
  nodes: Map<ResourceKey, Resource>;
  /** Direct dependencies (declared resources only), sorted. */
  deps: Map<ResourceKey, ResourceKey[]>;
  /** Direct dependents, sorted. */
  dependents: Map<ResourceKey, ResourceKey[]>;
  wave: Map<ResourceKey, number>;
  /** Keys per wave, wave 0 first; inside a wave in key order (see order.ts for the execution order). */
  waves: ResourceKey[][];
}

/** The module of a kind, or a StalledError: an unregistered kind cannot be planned. */
export function moduleOf(registry: KindRegistry, kind: string): KindModule {
  const mod = registry.get(kind);
  if (!mod) throw new StalledError('SchemaInvalid', `no kind module is registered for kind ${kind}`);
  return mod;
}

/**
 * Builds the graph from `registry.get(kind).dependencies(res)`. References to undeclared resources are ignored:
 * reporting them is the loader's job, and the engine must not invent nodes.
 */
export function buildGraph(resources: Resource[], registry: KindRegistry): ResourceGraph {
  const nodes = new Map<ResourceKey, Resource>();
  for (const r of resources) nodes.set(keyOf(r), r);
  const deps = new Map<ResourceKey, ResourceKey[]>();
  const dependents = new Map<ResourceKey, ResourceKey[]>();
  for (const key of nodes.keys()) dependents.set(key, []);
  for (const [key, res] of nodes) {
    const refs = moduleOf(registry, res.kind).dependencies(res).map((ref) => keyOf(ref));
    const own = [...new Set(refs)].filter((k) => nodes.has(k)).sort();
    deps.set(key, own);
    for (const d of own) dependents.get(d)?.push(key);
  }
  for (const list of dependents.values()) list.sort();
  const wave = computeWaves(deps);
  const waves: ResourceKey[][] = [];
  for (const key of [...nodes.keys()].sort()) {
    const w = wave.get(key) ?? 0;
    while (waves.length <= w) waves.push([]);
    waves[w]?.push(key);
  }
  return { nodes, deps, dependents, wave, waves };
}

/** Longest-path depth by depth-first search; the first back edge found (in key order) is reported as a cycle. */
function computeWaves(deps: Map<ResourceKey, ResourceKey[]>): Map<ResourceKey, number> {
  const wave = new Map<ResourceKey, number>();
  const onPath: ResourceKey[] = [];
  const visiting = new Set<ResourceKey>();
  const visit = (key: ResourceKey): number => {
    const known = wave.get(key);
    if (known !== undefined) return known;
    if (visiting.has(key)) {
      const cycle = [...onPath.slice(onPath.indexOf(key)), key];
      throw new StalledError('DependencyCycle', `dependency cycle: ${cycle.join(' -> ')}`);
    }
    visiting.add(key);
    onPath.push(key);
    let w = 0;
    for (const d of deps.get(key) ?? []) w = Math.max(w, visit(d) + 1);
    onPath.pop();
    visiting.delete(key);
    wave.set(key, w);
    return w;
  };
  for (const key of [...deps.keys()].sort()) visit(key);
  return wave;
}

/** Every resource that depends on `key`, directly or not. */
export function transitiveDependents(graph: ResourceGraph, key: ResourceKey): Set<ResourceKey> {
  const out = new Set<ResourceKey>();
  const stack = [...(graph.dependents.get(key) ?? [])];
  while (stack.length > 0) {
    const k = stack.pop() as ResourceKey;
    if (out.has(k)) continue;
    out.add(k);
    stack.push(...(graph.dependents.get(k) ?? []));
  }
  return out;
}
