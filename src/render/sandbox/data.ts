/**
 * What a template may hold: plain data only (strings, numbers, booleans, null, arrays, objects whose prototype is
 * Object.prototype or null). Functions and class instances are how a template reaches JavaScript (`constructor`,
 * bound methods, getters), so the render context is copied into plain data and frozen before any template sees it.
 */

/** Property names that lead from data to code or prototypes; naming them is an error, not just `undefined`. */
export const FORBIDDEN_NAMES: ReadonlySet<string> = new Set([
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

/** True for an object literal's kind of object: prototype Object.prototype or null, not an array. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A value that may flow through a template (one level: containers are checked where they are made). */
export function isPlainValue(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean') return true;
  return Array.isArray(v) || isPlainObject(v);
}

const MAX_DEPTH = 64;

/**
 * Deep-copies `value` into frozen plain data. Throws naming the path of anything else (a function, a Date, a Map,
 * a class instance, a cycle), so a caller passing the wrong thing learns it at once instead of exposing it.
 */
export function toPlainData(value: unknown, path = 'context', depth = 0, seen = new Set<object>()): unknown {
  if (value === null || value === undefined) return value;
  const t = typeof value;
  if (t === 'string' || t === 'boolean') return value;
  if (t === 'number') return value;
  if (t !== 'object') throw new TypeError(`${path} is a ${t}, not plain data`);
  const obj = value as object;
  if (depth > MAX_DEPTH) throw new TypeError(`${path} is nested deeper than ${MAX_DEPTH}`);
  if (seen.has(obj)) throw new TypeError(`${path} is a cycle`);
  seen.add(obj);
  let out: unknown;
  if (Array.isArray(obj)) {
    out = Object.freeze(obj.map((v, i) => toPlainData(v, `${path}[${i}]`, depth + 1, seen)));
  } else if (isPlainObject(obj)) {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(obj)) {
      if (key === '__proto__') throw new TypeError(`${path} has a __proto__ key`);
      copy[key] = toPlainData(obj[key], `${path}.${key}`, depth + 1, seen);
    }
    out = Object.freeze(copy);
  } else {
    throw new TypeError(`${path} is a ${obj.constructor?.name ?? 'non-plain object'}, not plain data`);
  }
  seen.delete(obj);
  return out;
}

/** An own property of plain data (an array's `length` and indexes, a string's too), or undefined; never inherited. */
export function ownGet(obj: unknown, key: string | number): unknown {
  if (obj === null || obj === undefined) return undefined;
  const t = typeof obj;
  if (t !== 'string' && t !== 'object') return undefined;
  const boxed = Object(obj) as Record<string | number, unknown>;
  return Object.hasOwn(boxed, key) ? boxed[key] : undefined;
}

/**
 * An upper bound on the text `value` turns into when written or dumped (with `indent` spaces per nesting level, as
 * JSON.stringify does), counted only until `limit` is passed; so a filter or an output can be refused before
 * JavaScript builds a string the size of the machine's memory.
 */
export function textSize(value: unknown, limit: number, indent = 0, depth = 0): number {
  if (value === null || value === undefined) return 4;
  if (typeof value === 'string') return value.length + 2;
  if (typeof value !== 'object' || depth > MAX_DEPTH) return 32;
  let n = 2 + indent * depth;
  const entries = Array.isArray(value) ? value : Object.entries(value).flat();
  for (const v of entries) {
    n += 2 + indent * (depth + 1) + textSize(v, limit, indent, depth + 1);
    if (n > limit) return n;
  }
  return n;
}
