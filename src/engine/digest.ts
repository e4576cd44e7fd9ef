/**
 * Stable digests: the same value always hashes the same, whatever the key order it was built with, so a plan
 * computed from YAML and an inventory entry read back from JSON agree on "nothing changed".
 */
import { createHash } from 'node:crypto';
import type { Resource } from '../model/resource.js';

/** JSON with object keys sorted at every level; `undefined` members are dropped as JSON.stringify does. */
export function stableStringify(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => stableStringify(v)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`);
  return `{${parts.join(',')}}`;
}

/** `sha256:<64 hex>` of the stable JSON of `value`. */
export function digestOf(value: unknown): string {
  return `sha256:${createHash('sha256').update(stableStringify(value)).digest('hex')}`;
}

/**
 * Digest of what a user declared: identity, labels and spec. Annotations and the source position are left out on
 * purpose, so moving a document between files or toggling prune opt-out does not count as a change.
 */
export function resourceDigest(res: Resource): string {
  return digestOf({
    apiVersion: res.apiVersion,
    kind: res.kind,
    name: res.metadata.name,
    labels: res.metadata.labels ?? {},
    spec: res.spec,
  });
}
