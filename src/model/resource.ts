/** The resource envelope every kind shares, and the keys that name resources everywhere (plans, status, logs). */

/** PascalCase kind name as written in YAML, e.g. `Host`. */
export type KindName = string;

/** `Kind/name`, e.g. `Host/web-1`: the one way resources are named across plan, journal, status and HTTP. */
export type ResourceKey = string;

/** Where a document or value came from, so every problem can be reported as `file:line:col`. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export interface Metadata {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Resource<Spec = unknown> {
  apiVersion: string;
  kind: KindName;
  metadata: Metadata;
  spec: Spec;
  source: SourcePos;
}

/** An edge in the dependency graph: `from` cannot be applied before `kind/name` is healthy. */
export interface ResourceRef {
  kind: KindName;
  name: string;
  /** JSON pointer inside the referring resource, so a dangling reference is reported at its own line. */
  path?: string;
}

export const API_VERSION = 'driftless.dev/v1';

export function keyOf(r: { kind: KindName; metadata: { name: string } } | ResourceRef): ResourceKey {
  return 'metadata' in r ? `${r.kind}/${r.metadata.name}` : `${r.kind}/${r.name}`;
}

export function parseKey(key: ResourceKey): { kind: KindName; name: string } {
  const i = key.indexOf('/');
  if (i < 0) throw new Error(`invalid resource key ${key}`);
  return { kind: key.slice(0, i), name: key.slice(i + 1) };
}

/**
 * A secret in a config-repo resource, in one of three forms, none of them a plain value:
 * - `{ secret: NAME }`: a secret the operator declared in the daemon's settings (`secrets:`), bound by them to
 *   destinations;
 * - `{ age: "-----BEGIN AGE ENCRYPTED FILE-----..." }`: a value encrypted in the repo for the operator's age
 *   recipients (see src/secrets/age/);
 * - `{ sops: { file, key } }`: a value of a SOPS file in the repo (age recipients).
 */
export type SecretRef = NamedSecretRef | AgeSecretRef | SopsSecretRef;
export type NamedSecretRef = { secret: string };
export type AgeSecretRef = { age: string };
export type SopsSecretRef = { sops: { file: string; key: string } };

/** An encrypted value in the repo: opened with the operator's age identities, never named by the repo. */
export type SealedSecretRef = AgeSecretRef | SopsSecretRef;

/** An operator-side reference (daemon settings, CLI flags): an environment variable or a file of the daemon. */
export type OperatorSecretRef = { env: string } | { file: string };

/** Any of the three repo forms, shape-checked (a schema has validated the details). */
export function isSecretRef(v: unknown): v is SecretRef {
  return isNamedSecretRef(v) || isSealedSecretRef(v);
}

export function isNamedSecretRef(v: unknown): v is NamedSecretRef {
  return onlyKey(v, 'secret') && typeof (v as { secret: unknown }).secret === 'string';
}

export function isSealedSecretRef(v: unknown): v is SealedSecretRef {
  if (onlyKey(v, 'age')) return typeof (v as { age: unknown }).age === 'string';
  if (!onlyKey(v, 'sops')) return false;
  const s = (v as { sops: unknown }).sops as Record<string, unknown> | null;
  return s !== null && typeof s === 'object' && typeof s.file === 'string' && typeof s.key === 'string';
}

function onlyKey(v: unknown, key: string): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0] === key;
}

/**
 * Where a resolved secret is about to go: an SSH host (its address), an HTTP(S) URL, or an image registry
 * (host[:port]). The operator's binding of the secret must cover it.
 */
export type SecretDestination = { ssh: string } | { url: string } | { registry: string };

/** The `{ env }` / `{ file }` shape, which a config repo may no longer use. */
export function isOperatorSecretRef(v: unknown): v is OperatorSecretRef {
  if (v === null || typeof v !== 'object') return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file');
}

/**
 * `value` with every encrypted value replaced by what it refers to (`{ sealed: "age" }`, `{ sealed: "sops:FILE#KEY" }`),
 * for digests: re-encrypting the same value (`driftless secret rotate`) gives a new ciphertext and must not count as
 * a change (a pool would roll every node), just as an operator secret's value is not part of any digest.
 */
export function withSealedValuesHidden<T>(value: T): T {
  if (isSealedSecretRef(value)) return { sealed: 'age' in value ? 'age' : `sops:${value.sops.file}#${value.sops.key}` } as T;
  if (Array.isArray(value)) return value.map((v) => withSealedValuesHidden(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = withSealedValuesHidden(v);
    return out as T;
  }
  return value;
}
