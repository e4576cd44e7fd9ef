/**
 * Stable digests for the engine: the same value always hashes the same, whatever the key order it was built with,
 * so a plan computed from YAML and an inventory entry read back from JSON agree on "nothing changed".
 */
import { withSealedValuesHidden, type Resource } from '../model/resource.js';
import { digestOf } from '../util/digest.js';

export { digestOf, stableStringify } from '../util/digest.js';

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
    spec: withSealedValuesHidden(res.spec),
  });
}
