/** Stable content digests: the same JSON value always hashes the same, whatever its key order. */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted recursively; undefined members dropped as JSON.stringify does. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => stableStringify(v ?? null)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

/** `sha256:<hex>` of a value's stable JSON (or of a string/Buffer as is). */
export function digestOf(value: unknown): string {
  const h = createHash('sha256');
  h.update(typeof value === 'string' || Buffer.isBuffer(value) ? value : stableStringify(value));
  return `sha256:${h.digest('hex')}`;
}

export function shortDigest(digest: string, length = 12): string {
  return digest.replace(/^sha256:/, '').slice(0, length);
}
