/**
 * Kinds that are pure declarations (OpenDCP's business-line Cluster and Service) have no outside state: what
 * exists is what driftless recorded in its inventory. So a new one plans `create`, an edit plans `update`, and
 * applying only records it — later kinds reference them, and the plan still tells the truth.
 */
import type { DiffOutcome, FieldChange } from '../../model/plan.js';
import { withSealedValuesHidden, type Resource, type ResourceRef } from '../../model/resource.js';
import { digestOf } from '../../util/digest.js';
import type { KindModule } from '../types.js';

export interface DeclarationObserved {
  spec: unknown;
  digest: string;
}

export function specDigest(res: Resource): string {
  return digestOf({ labels: res.metadata.labels ?? {}, spec: withSealedValuesHidden(res.spec) });
}

export function diffDeclaration(desired: Resource, observed: DeclarationObserved | undefined): DiffOutcome {
  if (!observed) return { action: 'create', changes: fieldChanges(undefined, desired.spec, 'spec') };
  if (observed.digest === specDigest(desired)) return { action: 'noop', changes: [] };
  return { action: 'update', changes: fieldChanges(observed.spec, desired.spec, 'spec') };
}

/** Leaf-level changes between two JSON values, paths like `spec.owner`. */
export function fieldChanges(before: unknown, after: unknown, path: string): FieldChange[] {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => fieldChanges(before[k], after[k], `${path}.${k}`));
  }
  if (isObj(after) && before === undefined) {
    return Object.keys(after).sort().flatMap((k) => fieldChanges(undefined, after[k], `${path}.${k}`));
  }
  return digestOf(before ?? null) === digestOf(after ?? null) ? [] : [{ path, before, after }];
}

export function createDeclarationKind<Spec>(opts: {
  kind: string;
  schemaId: string;
  order: number;
  dependencies?: (res: Resource<Spec>) => ResourceRef[];
}): KindModule<Spec, DeclarationObserved> {
  return {
    kind: opts.kind,
    schemaId: opts.schemaId,
    order: opts.order,
    dependencies: opts.dependencies ?? (() => []),
    async observe(res, ctx) {
      const entry = ctx.inventory.get(`${res.kind}/${res.metadata.name}`);
      if (!entry) return undefined;
      return { spec: entry.resource.spec, digest: specDigest(entry.resource) };
    },
    diff: (desired, observed) => diffDeclaration(desired as Resource, observed),
    async apply() {
      // Recording in the inventory (done by the engine after apply) is the whole effect.
    },
    async remove() {
      // Nothing outside driftless to delete.
    },
    health: (observed) => (observed ? { status: 'Healthy' } : { status: 'Missing' }),
    observedDigest: (observed) => observed?.digest,
  };
}
