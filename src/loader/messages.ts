/**
 * Turns ajv's errors into one readable message per real mistake: `spec.port: must be <= 65535`. Branch noise from
 * oneOf/anyOf is reduced to the most useful branch, and a plain-text secret hides every other error on that value
 * (whose messages could otherwise hint at it).
 */
import type { ErrorObject } from 'ajv';
import { dotted, splitPointer } from './positions.js';

/** A schema mistake, located by pointer: `key` names a property whose key node is the precise position. */
export interface SchemaIssue {
  pointer: string;
  key?: string;
  message: string;
}

const NAME_RULE =
  "use lower-case letters, digits, '-', '.' and '_', starting and ending with a letter or digit, at most 63 characters";

/** Reads a value by JSON pointer, for messages that quote a harmless value (names). */
function valueAt(root: unknown, pointer: string): unknown {
  let cur = root;
  for (const seg of splitPointer(pointer)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

function textOf(e: ErrorObject, data: unknown): string {
  const p = e.params as Record<string, unknown>;
  if (e.schemaPath.includes('/$defs/name/')) {
    const v = valueAt(data, e.instancePath);
    return `invalid name ${JSON.stringify(v)}: ${NAME_RULE}`;
  }
  if (e.schemaPath.includes('/$defs/duration/')) return 'must be a duration such as 30s, 5m or 1h30m';
  switch (e.keyword) {
    case 'required':
      return `missing required property "${String(p.missingProperty)}"`;
    case 'additionalProperties':
      return `unknown property "${String(p.additionalProperty)}"`;
    case 'propertyNames':
      return `invalid property name "${String(p.propertyName)}"`;
    case 'enum':
      return `must be one of: ${(p.allowedValues as unknown[]).map((v) => String(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'format':
      if (p.format === 'host-address') return 'must be a hostname or IP address';
      if (p.format === 'repo-path') return 'must be a relative path inside the repository (no leading /, no .. segment, no backslash, NUL or line break)';
      if (p.format === 'host-path') return 'must be a normalised absolute path (letters, digits, _ . - /; no .., . or // segments)';
      return `must be a valid ${String(p.format)}`;
    default:
      return e.message ?? `failed ${e.keyword}`;
  }
}

function depth(e: ErrorObject): number {
  return splitPointer(e.instancePath).length;
}

function within(e: ErrorObject, prefix: string): boolean {
  return e.instancePath === prefix || e.instancePath.startsWith(prefix + '/');
}

/** Keeps, for each failed oneOf/anyOf, only the errors of its most telling branch. */
function pruneBranches(errors: ErrorObject[]): ErrorObject[] {
  let out = errors;
  const combinators = errors
    .filter((e) => (e.keyword === 'oneOf' || e.keyword === 'anyOf') && !(e.params as { passingSchemas?: unknown }).passingSchemas)
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const comb of combinators) {
    if (!out.includes(comb)) continue;
    const base = comb.schemaPath + '/';
    const branches = new Map<string, ErrorObject[]>();
    for (const e of out) {
      if (!e.schemaPath.startsWith(base)) continue;
      const idx = e.schemaPath.slice(base.length).split('/')[0] ?? '';
      branches.set(idx, [...(branches.get(idx) ?? []), e]);
    }
    const ranked = [...branches.values()].sort((a, b) => {
      const typeOnly = (l: ErrorObject[]) => (l.every((e) => e.keyword === 'type') ? 1 : 0);
      return (
        typeOnly(a) - typeOnly(b) ||
        Math.max(...b.map(depth)) - Math.max(...a.map(depth)) ||
        a.length - b.length
      );
    });
    const all = [...branches.values()].flat();
    const best = ranked[0] ?? [];
    let keep: ErrorObject[] = best;
    if (best.length > 0 && best.every((e) => e.keyword === 'type')) {
      const types = [...new Set(all.filter((e) => e.keyword === 'type').map((e) => String(e.params.type)))];
      keep = [{ ...comb, keyword: 'type', message: `must be ${types.join(' or ')}` }];
    }
    out = out.filter((e) => e !== comb && !all.includes(e)).concat(keep);
  }
  return out;
}

/**
 * Describes ajv errors for data validated at `prefix` (e.g. `/spec`) of a document; `data` is the validated value,
 * read only to quote names.
 */
export function describeErrors(errors: ErrorObject[], prefix: string, data: unknown): SchemaIssue[] {
  let list = errors.filter((e) => e.propertyName === undefined || e.keyword === 'propertyNames');
  const secrets = list.filter((e) => e.keyword === 'x-secret');
  list = list.filter((e) => e.keyword === 'x-secret' || !secrets.some((s) => within(e, s.instancePath)));
  list = pruneBranches(list);
  const seen = new Set<string>();
  const out: SchemaIssue[] = [];
  for (const e of list) {
    const pointer = prefix + e.instancePath;
    const p = e.params as Record<string, unknown>;
    const key =
      e.keyword === 'additionalProperties'
        ? String(p.additionalProperty)
        : e.keyword === 'propertyNames'
          ? String(p.propertyName)
          : undefined;
    const path = dotted(pointer);
    const text = textOf(e, data);
    const message = path === '' ? text : `${path}: ${text}`;
    const id = `${pointer}\u0000${key ?? ''}\u0000${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ pointer, key, message });
  }
  return out;
}
