/**
 * What driftless applied, kept so that pruning deletes only "previously applied minus now declared" (Flux's
 * inventory), and so a resource removed from Git can still be deleted with the spec it was applied with.
 */
import type { Resource, ResourceKey } from './resource.js';

export interface InventoryEntry {
  key: ResourceKey;
  kind: string;
  name: string;
  digest: string;
  revision: string;
  appliedAt: string;
  /** The resource as last applied (secret references only, never values). */
  resource: Resource;
}

/** Repo-wide prune policy from driftless.yaml; a resource may opt out with `driftless.dev/prune: "false"`. */
export interface PrunePolicy {
  enabled: boolean;
  /** Kinds allowed to be pruned when enabled; empty = every kind that supports removal. */
  kinds: string[];
}

export const PRUNE_ANNOTATION = 'driftless.dev/prune';
